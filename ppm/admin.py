"""Django's admin: a technical back office. Business data is managed on the application's own pages
(/manage/); what the admin still writes goes through the services, so it is validated and audited,
and nothing business-related is deleted here. Celery's tables are for superusers only."""

from importlib import import_module

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ppm import services
from ppm.audit import audit_diff, audit_record, audit_snapshot
from ppm.models import ApiToken, AuditEntry, Directorate, ReportJob, User
from ppm.user_services import USER_FIELDS


class ServiceAdmin(admin.ModelAdmin):
    """A model written through its services: `service_create(actor, data)` and
    `service_update(actor, obj, data)` with the form's cleaned `service_fields`. Never deleted here."""

    service_fields: tuple[str, ...] = ()

    def service_create(self, actor, data):  # pragma: no cover - abstract
        raise NotImplementedError

    def service_update(self, actor, obj, data):  # pragma: no cover - abstract
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        if change:
            self.service_update(request.user, obj, data)
        else:
            saved = self.service_create(request.user, data)
            obj.pk = saved.pk
            obj._state.adding = False
            obj._state.db = saved._state.db

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts are managed on /manage/users/; here only superusers change them (passwords, staff
    flags), every change of an account's identity, role, directorate or active flag is audited, and
    no account is deleted."""

    list_display = ("username", "first_name", "last_name", "email", "role", "directorate", "is_active")
    list_filter = ("role", "directorate", "is_active", "is_staff")
    list_select_related = ("directorate",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Pilotis"), {"fields": ("role", "directorate", "language")}),
    )
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("Pilotis"), {"fields": ("role", "directorate")}))

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = audit_snapshot(User.objects.get(pk=obj.pk), USER_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        changes = audit_diff(before, audit_snapshot(obj, USER_FIELDS))
        if changes or not change:
            action = AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE
            audit_record(instance=obj, action=action, actor=request.user, changes=changes)


@admin.register(Directorate)
class DirectorateAdmin(ServiceAdmin):
    list_display = ("code", "name", "parent", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)
    service_fields = services.DIRECTORATE_FIELDS

    def service_create(self, actor, data):
        return services.directorate_create(actor=actor, **data)

    def service_update(self, actor, obj, data):
        return services.directorate_update(actor=actor, directorate=obj, data=data)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to administrators, never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    list_select_related = ("actor", "content_type")
    search_fields = ("object_repr", "actor__username")
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    list_select_related = ("user",)
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # tokens are created by their owners, who alone see the clear value


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "key", "status", "attempts", "requested_by")
    list_filter = ("kind", "status")
    list_select_related = ("requested_by",)


# --- Celery's tables: superusers only ------------------------------------------------------------

SUPERUSER_ONLY_APPS = ("django_celery_beat", "django_celery_results")


def _superuser_only(model_admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    class SuperuserOnly(model_admin_class):  # type: ignore[valid-type]
        def has_module_permission(self, request):
            return request.user.is_active and request.user.is_superuser

        def has_view_permission(self, request, obj=None):
            return request.user.is_active and request.user.is_superuser

        def has_add_permission(self, request, *args):
            return (
                request.user.is_active
                and request.user.is_superuser
                and super().has_add_permission(request, *args)
            )

        def has_change_permission(self, request, obj=None):
            return request.user.is_active and request.user.is_superuser

        def has_delete_permission(self, request, obj=None):
            return request.user.is_active and request.user.is_superuser

    SuperuserOnly.__name__ = f"SuperuserOnly{model_admin_class.__name__}"
    return SuperuserOnly


def restrict_to_superusers(site: admin.AdminSite, app_labels=SUPERUSER_ONLY_APPS) -> None:
    """Re-register the ModelAdmins of `app_labels` so that only superusers see or change them (the
    project office, even as staff with model permissions, does not). Their admin modules are imported
    here first: this module is loaded before theirs (ppm comes first in INSTALLED_APPS)."""
    for label in app_labels:
        if apps.is_installed(label):
            import_module(f"{label}.admin")
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in app_labels and not type(model_admin).__name__.startswith("SuperuserOnly"):
            site.unregister(model)
            site.register(model, _superuser_only(type(model_admin)))


restrict_to_superusers(admin.site)
