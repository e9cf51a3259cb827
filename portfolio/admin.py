"""The portfolio in Django's admin: reference data written through the services (validated, audited,
never deleted here); projects read-only. The project office manages all of it on /manage/."""

from django.contrib import admin

from portfolio import services
from portfolio.models import Objective, PortfolioSnapshot, Project, StrategicAxis, Tag
from ppm.admin import ServiceAdmin


@admin.register(StrategicAxis)
class StrategicAxisAdmin(ServiceAdmin):
    list_display = ("code", "name", "order")
    service_fields = services.AXIS_FIELDS

    def service_create(self, actor, data):
        return services.axis_create(actor=actor, data=data)

    def service_update(self, actor, obj, data):
        return services.axis_update(actor=actor, axis=obj, data=data)


@admin.register(Objective)
class ObjectiveAdmin(ServiceAdmin):
    list_display = ("code", "name", "axis", "order")
    list_filter = ("axis",)
    list_select_related = ("axis",)
    service_fields = services.OBJECTIVE_FIELDS

    def service_create(self, actor, data):
        return services.objective_create(actor=actor, data=data)

    def service_update(self, actor, obj, data):
        return services.objective_update(actor=actor, objective=obj, data=data)


@admin.register(Tag)
class TagAdmin(ServiceAdmin):
    search_fields = ("name",)
    service_fields = services.TAG_FIELDS

    def service_create(self, actor, data):
        return services.tag_create(actor=actor, name=data["name"])

    def service_update(self, actor, obj, data):
        return services.tag_update(actor=actor, tag=obj, name=data["name"])


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read-only here: projects change through the application so that every change is audited."""

    list_display = ("code", "name", "status", "directorate", "manager", "planned_start", "planned_end")
    list_filter = ("status", "directorate")
    list_select_related = ("directorate", "manager")
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(admin.ModelAdmin):
    list_display = ("day", "total", "taken_at")
    readonly_fields = ("day", "total", "by_status", "by_objective", "taken_at")
