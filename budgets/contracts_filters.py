"""FilterSets shared by the agreement and order list pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from budgets.models import FrameworkAgreement, Order, OrderStatus
from portfolio.models import Project
from resources.models import Vendor


def _search(queryset, fields: tuple[str, ...], value: str):
    value = value.replace("\x00", "").strip()
    if not value:
        return queryset
    query = Q()
    for word in value.split()[:8]:
        word_query = Q()
        for name in fields:
            word_query |= Q(**{f"{name}__icontains": word})
        query &= word_query
    return queryset.filter(query)


class AgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    vendor = django_filters.ModelChoiceFilter(queryset=Vendor.objects.all(), label=_("Vendor"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("vendor__name", "vendor"),
            ("end", "end"),
            ("ceiling", "ceiling"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = FrameworkAgreement
        fields = ["q", "vendor"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, ("reference", "title", "vendor__name"), value)

    @property
    def qs(self):
        queryset = super().qs
        return queryset.order_by(*(queryset.query.order_by or ("reference",)), "pk")


class OrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    agreement = django_filters.ModelChoiceFilter(
        queryset=FrameworkAgreement.objects.all(), label=_("Framework agreement")
    )
    # Typed, not picked: a select of every project of the portfolio (1,000 in the benchmark) was most
    # of the orders page's weight and time. The project page links here with its code.
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.all(),
        to_field_name="code",
        label=_("Project (code)"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid_choice": _("No project has this code.")},
    )
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices, label=_("Status"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("project__code", "project"),
            ("status", "status"),
            ("amount", "amount"),
            ("ordered_on", "ordered_on"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Order
        fields = ["q", "agreement", "project", "status"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, ("number", "title", "project__code", "project__name"), value)

    @property
    def qs(self):
        queryset = super().qs
        return queryset.order_by(*(queryset.query.order_by or ("-ordered_on", "-number")), "-pk")
