"""The task list's filters, shared by the API and the task table page."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portfolio.scheduling.models import BoardStatus, Task
from ppm.models import User

ORDERING_FIELDS = (
    ("wbs", "wbs"),
    ("name", "name"),
    ("start", "start"),
    ("finish", "finish"),
    ("duration", "duration"),
    ("percent_complete", "percent_complete"),
    ("total_float", "total_float"),
    ("board_status", "status"),
)


class TaskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(
        field_name="board_status", choices=BoardStatus.choices, label=_("Board status")
    )
    assignee = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Assignee"))
    milestone = django_filters.BooleanFilter(label=_("Milestone"))
    critical = django_filters.BooleanFilter(label=_("Critical"))
    issues = django_filters.BooleanFilter(method="filter_issues", label=_("With a schedule problem"))
    parent = django_filters.NumberFilter(method="filter_parent", label=_("Parent task (0: top level)"))
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS, label=_("Sort by"))

    class Meta:
        model = Task
        fields = ["q", "status", "assignee", "milestone", "critical", "issues", "parent"]

    def filter_search(self, queryset, name, value):
        value = value.replace("\x00", "").strip()
        if not value:
            return queryset
        query = Q()
        for word in value.split()[:8]:
            query &= Q(name__icontains=word) | Q(wbs__startswith=word) | Q(assignee_name__icontains=word)
        return queryset.filter(query)

    def filter_issues(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(schedule_issues=[]) if value else queryset.filter(schedule_issues=[])

    def filter_parent(self, queryset, name, value):
        if value is None:
            return queryset
        if value == 0:
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=value)
