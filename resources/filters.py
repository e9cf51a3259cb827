"""One FilterSet shared by the resource list page and the API (/api/v1/resources/)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from ppm.text import search_normalise
from resources.models import Resource, ResourceKind, RoleFamily

ORDERING_FIELDS = (
    ("name", "name"),
    ("kind", "kind"),
    ("directorate__name", "directorate"),
    ("team__name", "team"),
    ("primary_profile__name", "role"),
    ("vendor__name", "vendor"),
    ("daily_cost", "daily_cost"),
    ("active_until", "active_until"),
)


MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object's id: an unknown one matches nothing (an empty list, not an error); a value that is not
    a 64-bit positive integer is refused. The page shows these as selects of the known objects."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ResourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    directorate = IdFilter(field_name="directorate_id", label=_("Directorate"))
    team = IdFilter(field_name="team_id", label=_("Team"))
    family = django_filters.ChoiceFilter(
        choices=RoleFamily.choices, method="filter_family", label=_("Role family")
    )
    profile = IdFilter(field_name="profiles", method="filter_profile", label=_("Role"))
    kind = django_filters.ChoiceFilter(choices=ResourceKind.choices, label=_("Kind"))
    external = django_filters.BooleanFilter(field_name="is_external", label=_("External (outsourced)"))
    vendor = IdFilter(field_name="vendor_id", label=_("Vendor"))
    active = django_filters.BooleanFilter(field_name="is_active", label=_("Active"))
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS, label=_("Sort by"))

    class Meta:
        model = Resource
        fields = ["q", "directorate", "team", "family", "profile", "kind", "external", "vendor", "active"]

    def filter_search(self, queryset, name, value):
        """Every word must appear in the name or e-mail (accents and case ignored, through the
        normalised `search_text` column) or in the team's or vendor's name."""
        value = value.replace("\x00", "").strip()
        if not value:
            return queryset
        query = Q()
        for word in value.split()[:8]:
            query &= (
                Q(search_text__contains=search_normalise(word))
                | Q(team__name__icontains=word)
                | Q(vendor__name__icontains=word)
            )
        return queryset.filter(query)

    def filter_family(self, queryset, name, value):
        return queryset.filter(primary_profile__family=value) if value else queryset

    def filter_profile(self, queryset, name, value):
        if not value:
            return queryset
        # Any of the person's roles; a subquery keeps one row per resource.
        holders = Resource.profiles.through.objects.filter(profile_id=value).values("resource_id")
        return queryset.filter(Q(primary_profile_id=value) | Q(pk__in=holders))
