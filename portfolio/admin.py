from django.contrib import admin

from portfolio.models import Objective, PortfolioSnapshot, Project, StrategicAxis, Tag


@admin.register(StrategicAxis)
class StrategicAxisAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "axis", "order")
    list_filter = ("axis",)
    list_select_related = ("axis",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


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
