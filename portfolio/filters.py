"""One FilterSet shared by the project list page and the API."""

import copy

import django_filters
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portfolio.models import Objective, Priority, Project, Tag
from portfolio.rules import ProjectStatus
from ppm import slots
from ppm.models import Directorate, User
from ppm.text import search_normalise

ORDERING_FIELDS = (
    ("code", "code"),
    ("name", "name"),
    ("status", "status"),
    ("priority", "priority"),
    ("planned_start", "planned_start"),
    ("planned_end", "planned_end"),
    ("slippage_days", "slippage"),
    ("directorate__name", "directorate"),
    ("updated_at", "updated_at"),
)


LIST_NAME = "portfolio.projects"


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Projects without a schedule (no slippage) come last whichever the direction, on every database."""

    NULLS_LAST = frozenset({"slippage_days"})

    def __init__(self, *args, nulls_last=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nulls_last = self.NULLS_LAST | frozenset(nulls_last)

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name in getattr(self, "nulls_last", self.NULLS_LAST):
            expression = F(name)
            return (
                expression.desc(nulls_last=True) if value.startswith("-") else expression.asc(nulls_last=True)
            )
        return value


def _build_column_filters(columns) -> dict[str, django_filters.Filter]:
    filters: dict[str, django_filters.Filter] = {}
    for column in columns:
        if column.filter is not None:
            extension = column.filter
            filters[extension.name] = django_filters.ChoiceFilter(
                choices=extension.choices,
                label=extension.label,
                empty_label=_("Any"),
                method=lambda queryset, name, value, apply=extension.apply: apply(queryset, value),
            )
    sortable = tuple((column.sort_field, column.key) for column in columns if column.sort_field)
    if sortable:
        filters["ordering"] = NullsLastOrderingFilter(
            fields=ORDERING_FIELDS + sortable,
            field_labels={column.sort_field: column.label for column in columns if column.sort_field},
            label=_("Sort by"),
            nulls_last=[field for field, _key in sortable],
        )
    return filters


# {language: (the columns they were built for, their filters)}
_COLUMN_FILTERS: dict[str | None, tuple[list, dict[str, django_filters.Filter]]] = {}


def _column_filters() -> dict[str, django_filters.Filter]:
    """The filters the registered columns add (their own, and the sort by their keys), built once per
    language and set of columns, then copied for each filter set: building the sort filter's choices
    (labels written in the current language) was half of what a ProjectFilterSet cost."""
    columns = slots.list_columns(LIST_NAME)
    language = get_language()
    built = _COLUMN_FILTERS.get(language)
    if (
        built is None
        or len(built[0]) != len(columns)
        or any(a is not b for a, b in zip(built[0], columns, strict=True))
    ):
        built = _COLUMN_FILTERS[language] = (columns, _build_column_filters(columns))
    return built[1]


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    # A column of the project itself: no join, so no DISTINCT (django-filter's default for multiple
    # choices), which made every count of a filtered list a subquery computing each row's annotations.
    status = django_filters.MultipleChoiceFilter(
        choices=ProjectStatus.choices, label=_("Status"), distinct=False
    )
    directorate = django_filters.ModelChoiceFilter(queryset=Directorate.objects.all(), label=_("Directorate"))
    objective = django_filters.ModelChoiceFilter(
        field_name="objectives", queryset=Objective.objects.all(), label=_("Objective")
    )
    manager = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(managed_projects__isnull=False).distinct(), label=_("Project manager")
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=Tag.objects.all(), to_field_name="name", label=_("Tag")
    )
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    ordering = NullsLastOrderingFilter(fields=ORDERING_FIELDS, label=_("Sort by"))

    class Meta:
        model = Project
        fields = ["q", "status", "directorate", "objective", "manager", "tag", "priority"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # Columns other apps add to the project list (ppm.slots.column_register): their annotation (one
        # per column, in the same query), their filter and their sort key.
        if queryset is not None:
            queryset = slots.columns_annotate(LIST_NAME, queryset)
        super().__init__(data, queryset, request=request, prefix=prefix)
        for name, prototype in _column_filters().items():
            added = copy.deepcopy(prototype)
            added.parent = self
            added.model = Project
            self.filters[name] = added

    def filter_search(self, queryset, name, value):
        """Every word must appear in the project's code, name or description (ignoring accents and
        case, through the normalised `search_text` column), or in its manager's or directorate's name."""
        value = value.replace("\x00", "").strip()
        if not value:
            return queryset
        query = Q()
        for word in value.split()[:8]:
            query &= (
                Q(search_text__contains=search_normalise(word))
                | Q(manager__last_name__icontains=word)
                | Q(directorate__name__icontains=word)
            )
        return queryset.filter(query)

    @property
    def qs(self):
        # objective/tag filters join many-valued relations: keep one row per project.
        queryset = super().qs
        if self.form.cleaned_data.get("objective") or self.form.cleaned_data.get("tag"):
            queryset = queryset.distinct()
        return queryset
