from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ppm.models import ApiToken, AuditEntry, Directorate, ReportJob, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "directorate", "is_active")
    list_filter = ("role", "directorate", "is_active", "is_staff")
    list_select_related = ("directorate",)
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Pilotis"), {"fields": ("role", "directorate")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("Pilotis"), {"fields": ("role", "directorate")}))


@admin.register(Directorate)
class DirectorateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)


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
