"""Budget API (LINES part), under /api/v1/:

| URL                                       | methods                                         |
|-------------------------------------------|-------------------------------------------------|
| envelopes/                                | GET (sections, CP, figures), POST               |
| envelopes/{id}/                           | GET, PATCH (If-Match)                           |
| budget-lines/                             | GET (?project, envelope, section, nature, year), POST |
| budget-lines/{id}/                        | GET (with its years), PATCH, DELETE (If-Match)  |
| budget-line-years/{id}/                   | GET                                             |
| budget-line-years/{id}/reforecast/        | POST {forecast, comment} (If-Match)             |
| fundings/                                 | GET (allocated, committed, paid, to justify), POST |
| fundings/{id}/                            | GET, PATCH (If-Match)                           |
| transfers/                                | GET, POST                                       |
| projects/{id}/budget/                     | GET: lines × years, totals, S-curve             |
| budgets/summary/                          | GET: portfolio figures (?year, envelope, objective, |
|                                           | directorate, status)                            |

Money is a string with two decimals ("12345.67") in and out; NaN, infinities, exponents, more than two
decimals, negatives and JSON numbers are refused with a 400 that says why (budgets.money.MoneyField).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import selectors, services
from budgets.models import (
    BudgetLine,
    BudgetLineYear,
    Envelope,
    EnvelopeSection,
    FundingKind,
    FundingSource,
    Nature,
    Section,
    Transfer,
)
from budgets.money import MoneyField, money_str
from budgets.permissions import RULES
from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.selectors import project_get_for_user, project_visible_to
from ppm.api.concurrency import (
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    VersionedObjectMixin,
    etag_response_header,
)
from ppm.api.renderers import RawJSON, RawJSONRenderer
from ppm.api.schema import error_responses
from ppm.api.serializers import ItemSerializer, id_field, related_field
from ppm.api.views import ApiViewMixin
from ppm.permissions import TablePermission
from ppm.prefetch import prefetch_lists

_WRITE_ERRORS = error_responses(400, 401, 403, 404, 412, 413, 415)
READ = "budget.view"


# ------------------------------------------------------------------ serializers


class PaymentCreditSerializer(ItemSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = MoneyField()


class SectionSerializer(ItemSerializer):
    section = serializers.ChoiceField(choices=Section.choices)
    authority = MoneyField()
    payment_credits = PaymentCreditSerializer(many=True, required=False)


class SectionOutSerializer(serializers.ModelSerializer):
    authority = MoneyField(read_only=True)
    payment_credits = serializers.SerializerMethodField()

    class Meta:
        model = EnvelopeSection
        fields = ["section", "authority", "payment_credits"]

    def get_payment_credits(self, section) -> list[dict]:
        return [{"year": c.year, "amount": money_str(c.amount)} for c in section.payment_credits.all()]


class EnvelopeSerializer(serializers.ModelSerializer):
    sections = SectionOutSerializer(many=True, read_only=True)

    class Meta:
        model = Envelope
        fields = [
            "id",
            "code",
            "name",
            "first_year",
            "last_year",
            "notes",
            "is_active",
            "sections",
            "version",
        ]
        read_only_fields = fields


class EnvelopeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    first_year = serializers.IntegerField(min_value=2000, max_value=2100)
    last_year = serializers.IntegerField(min_value=2000, max_value=2100)
    notes = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    sections = SectionSerializer(many=True, required=False)
    override = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=1000)


def _sections_input(items) -> list[dict]:
    return [
        {
            "section": item["section"],
            "authority": item["authority"],
            "payment_credits": {c["year"]: c["amount"] for c in item.get("payment_credits", [])},
        }
        for item in items
    ]


class LineYearSerializer(serializers.ModelSerializer):
    planned = MoneyField(read_only=True)
    forecast = MoneyField(read_only=True)
    committed = MoneyField(read_only=True)
    paid = MoneyField(read_only=True)

    class Meta:
        model = BudgetLineYear
        fields = ["id", "line", "year", "planned", "forecast", "committed", "paid", "version"]
        read_only_fields = fields


class BudgetLineSerializer(serializers.ModelSerializer):
    years = LineYearSerializer(many=True, read_only=True)

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "project",
            "label",
            "section",
            "nature",
            "envelope",
            "vat_included",
            "external_ref",
            "notes",
            "years",
            "version",
        ]
        read_only_fields = fields


class PlannedSerializer(ItemSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    planned = MoneyField()


class BudgetLineInputSerializer(serializers.Serializer):
    project = related_field(Project.objects.all())
    label = serializers.CharField(max_length=200)
    section = serializers.ChoiceField(choices=Section.choices)
    nature = serializers.ChoiceField(choices=Nature.choices)
    envelope = related_field(Envelope.objects.all(), allow_null=True, required=False)
    vat_included = serializers.BooleanField(required=False)
    external_ref = serializers.CharField(max_length=60, allow_blank=True, required=False)
    notes = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    years = PlannedSerializer(many=True, required=False)
    override = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=1000)


class ReforecastSerializer(serializers.Serializer):
    forecast = MoneyField()
    comment = serializers.CharField(max_length=1000)


class FundingSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    allocated = serializers.SerializerMethodField()
    committed = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()
    still_to_justify = serializers.SerializerMethodField()

    class Meta:
        model = FundingSource
        fields = [
            "id",
            "name",
            "kind",
            "reference",
            "amount",
            "start",
            "end",
            "conditions",
            "justify_by",
            "allocated",
            "committed",
            "paid",
            "still_to_justify",
            "version",
        ]
        read_only_fields = fields

    def _row(self, funding):
        return self.context.get("figures", {}).get(funding.pk)

    def get_allocated(self, funding) -> str:
        row = self._row(funding)
        return money_str(row.allocated if row else None)

    def get_committed(self, funding) -> str:
        row = self._row(funding)
        return money_str(row.committed if row else None)

    def get_paid(self, funding) -> str:
        row = self._row(funding)
        return money_str(row.paid if row else None)

    def get_still_to_justify(self, funding) -> str:
        row = self._row(funding)
        return money_str(row.still_to_justify if row else funding.amount)


class FundingInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=FundingKind.choices)
    reference = serializers.CharField(max_length=100, allow_blank=True, required=False)
    amount = MoneyField()
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)
    conditions = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    justify_by = serializers.DateField(required=False, allow_null=True)


class TransferSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)

    class Meta:
        model = Transfer
        fields = ["id", "source", "target", "amount", "reason", "override", "actor", "at"]
        read_only_fields = fields


class TransferInputSerializer(serializers.Serializer):
    source = related_field(BudgetLineYear.objects.all())
    target = related_field(BudgetLineYear.objects.all())
    amount = MoneyField(allow_zero=False)
    reason = serializers.CharField(max_length=1000)
    override = serializers.BooleanField(required=False, default=False)


def _figures(figures) -> dict[str, str]:
    """Figures.as_dict() as money strings, spelled out: the budget summary writes 2,000 of them."""
    planned, forecast, committed = figures.planned, figures.forecast, figures.committed
    return {
        "planned": money_str(planned),
        "forecast": money_str(forecast),
        "committed": money_str(committed),
        "paid": money_str(figures.paid),
        "remaining": money_str(planned - committed),
        "gap": money_str(forecast - planned),
    }


# ------------------------------------------------------------------ viewsets


def _reads(serializer, *, tag: str, listed: bool = True):
    """The OpenAPI description of a viewset's list and retrieve (ETag, 304, errors)."""
    views = {
        "retrieve": extend_schema(
            parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
            responses={
                200: serializer,
                304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
                **error_responses(400, 401, 403, 404),
            },
        )
    }
    if listed:
        views["list"] = extend_schema(
            responses={200: serializer(many=True), **error_responses(400, 401, 403, 404)}
        )
    return lambda cls: extend_schema(tags=[tag])(extend_schema_view(**views)(cls))


class _BudgetViewSet(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    permission_classes = [TablePermission]
    rules = RULES


@_reads(EnvelopeSerializer, tag="budgets")
class EnvelopeViewSet(mixins.ListModelMixin, _BudgetViewSet):
    """Envelopes with their sections (AP/AE authority) and CP schedule."""

    serializer_class = EnvelopeSerializer
    rule_entity = "envelope"
    rule_actions = {
        "list": READ,
        "retrieve": READ,
        "create": "envelope.change",
        "partial_update": "envelope.change",
    }

    def get_queryset(self) -> QuerySet[Envelope]:
        return selectors.envelope_list()

    def retrieve(self, request, pk=None):
        envelope = self.get_object()
        return self.not_modified(request, envelope) or self.versioned_response(
            envelope, self.get_serializer(envelope).data
        )

    @extend_schema(request=EnvelopeInputSerializer, responses={201: EnvelopeSerializer, **_WRITE_ERRORS})
    def create(self, request):
        serializer = EnvelopeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        envelope = services.envelope_create(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            first_year=data["first_year"],
            last_year=data["last_year"],
            notes=data.get("notes", ""),
            sections=_sections_input(data.get("sections", [])),
            override=data["override"],
            reason=data["reason"],
        )
        envelope = self.get_queryset().get(pk=envelope.pk)
        return self.versioned_response(envelope, self.get_serializer(envelope).data, status_code=201)

    @extend_schema(
        request=EnvelopeInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: EnvelopeSerializer, **_WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        envelope = self.get_object()
        expected = self.expected_version(request, envelope)
        serializer = EnvelopeInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sections = data.pop("sections", None)
        envelope = services.envelope_update(
            actor=request.user,
            envelope=envelope,
            expected_version=expected,
            data={k: v for k, v in data.items() if k in ("code", "name", "first_year", "last_year", "notes")},
            sections=_sections_input(sections) if sections is not None else None,
            override=data.get("override", False),
            reason=data.get("reason", ""),
        )
        envelope = self.get_queryset().get(pk=envelope.pk)
        return self.versioned_response(envelope, self.get_serializer(envelope).data)


class BudgetLineFilterSet(filters.FilterSet):
    project = filters.NumberFilter(field_name="project_id")
    envelope = filters.NumberFilter(field_name="envelope_id")
    section = filters.ChoiceFilter(choices=Section.choices)
    nature = filters.ChoiceFilter(choices=Nature.choices)
    year = filters.NumberFilter(method="filter_year", label=_("Has an amount this year"))

    class Meta:
        model = BudgetLine
        fields = ["project", "envelope", "section", "nature", "year"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(pk__in=BudgetLineYear.objects.filter(year=value).values("line_id"))


@_reads(BudgetLineSerializer, tag="budgets")
class BudgetLineViewSet(mixins.ListModelMixin, _BudgetViewSet):
    """Budget lines with their amounts by year."""

    serializer_class = BudgetLineSerializer
    rule_entity = "budget_line"
    rule_actions = {
        "list": READ,
        "retrieve": READ,
        "create": "change",
        "partial_update": "change",
        "destroy": "change",
    }
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = BudgetLineFilterSet

    def get_queryset(self) -> QuerySet[BudgetLine]:
        return selectors.budget_line_list().filter(
            project__in=project_visible_to(self.request.user).values("pk")
        )

    def list(self, request, *args, **kwargs):
        # The page's years in one query, as the prefetch's, without a queryset cloned per line.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset().prefetch_related(None)))
        prefetch_lists(page, "years", BudgetLineYear.objects.order_by("year"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        line = self.get_object()
        return self.not_modified(request, line) or self.versioned_response(
            line, self.get_serializer(line).data
        )

    def _answer(self, line, status_code=200):
        line = self.get_queryset().get(pk=line.pk)
        return self.versioned_response(line, self.get_serializer(line).data, status_code=status_code)

    @extend_schema(request=BudgetLineInputSerializer, responses={201: BudgetLineSerializer, **_WRITE_ERRORS})
    def create(self, request):
        serializer = BudgetLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = data.pop("project")
        years = data.pop("years", [])
        override, reason = data.pop("override"), data.pop("reason")
        line = services.budget_line_create(
            actor=request.user,
            project=project,
            data=data,
            planned={item["year"]: item["planned"] for item in years},
            override=override,
            reason=reason,
        )
        return self._answer(line, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=BudgetLineInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: BudgetLineSerializer, **_WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        line = self.get_object()
        expected = self.expected_version(request, line)
        serializer = BudgetLineInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("project", None)
        years = data.pop("years", [])
        override, reason = data.pop("override", False), data.pop("reason", "")
        line = services.budget_line_update(
            actor=request.user, line=line, data=data, expected_version=expected
        )
        for item in years:
            services.line_year_set_planned(
                actor=request.user,
                line=line,
                year=item["year"],
                planned=item["planned"],
                override=override,
                reason=reason,
            )
        return self._answer(line)

    @extend_schema(
        summary=_("Delete a budget line entered by mistake"),
        description=_(
            "With its amounts by year, forecasts and funding shares (the audit keeps them). Refused (409, "
            "code budget_line_in_use) once it has committed or paid amounts, orders or transfers."
        ),
        parameters=[IF_MATCH_HEADER],
        responses={204: None, **error_responses(400, 401, 403, 404, 409, 412)},
    )
    def destroy(self, request, pk=None):
        line = self.get_object()
        expected = self.expected_version(request, line)
        services.budget_line_delete(actor=request.user, line=line, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


@_reads(LineYearSerializer, tag="budgets", listed=False)
class BudgetLineYearViewSet(_BudgetViewSet):
    """A line's amounts for one year; the project manager reforecasts it."""

    serializer_class = LineYearSerializer
    rule_entity = "budget_line"
    rule_actions = {"retrieve": READ, "reforecast": "forecast"}

    def get_queryset(self) -> QuerySet[BudgetLineYear]:
        return BudgetLineYear.objects.select_related("line__project").filter(
            line__project__in=project_visible_to(self.request.user).values("pk")
        )

    def get_object(self) -> BudgetLineYear:
        line_year = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, line_year.line)
        return line_year

    def retrieve(self, request, pk=None):
        line_year = self.get_object()
        return self.not_modified(request, line_year) or self.versioned_response(
            line_year, self.get_serializer(line_year).data
        )

    @extend_schema(
        summary=_("Reforecast a line's year"),
        description=_("A new forecast with the reason for it (kept in the forecast history)."),
        request=ReforecastSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: LineYearSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reforecast(self, request, pk=None):
        line_year = self.get_object()
        expected = self.expected_version(request, line_year)
        serializer = ReforecastSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line_year = services.line_reforecast(
            actor=request.user,
            line_year=line_year,
            forecast=serializer.validated_data["forecast"],
            comment=serializer.validated_data["comment"],
            expected_version=expected,
        )
        return self.versioned_response(line_year, self.get_serializer(line_year).data)


@_reads(FundingSerializer, tag="budgets")
class FundingViewSet(mixins.ListModelMixin, _BudgetViewSet):
    """Funding sources with what they finance: allocated, committed, paid, still to justify."""

    serializer_class = FundingSerializer
    rule_entity = "envelope"
    rule_actions = {"list": READ, "retrieve": READ, "create": "change", "partial_update": "change"}

    def get_queryset(self) -> QuerySet[FundingSource]:
        return FundingSource.objects.order_by("name", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["figures"] = getattr(self, "_figures", {})
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        self._figures = {
            row.funding.pk: row
            for row in selectors.funding_dashboard(
                fundings=FundingSource.objects.filter(pk__in=[f.pk for f in page])
            )
        }
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _answer(self, funding, status_code=200):
        self._figures = {
            row.funding.pk: row
            for row in selectors.funding_dashboard(fundings=FundingSource.objects.filter(pk=funding.pk))
        }
        return self.versioned_response(funding, self.get_serializer(funding).data, status_code=status_code)

    def retrieve(self, request, pk=None):
        funding = self.get_object()
        return self.not_modified(request, funding) or self._answer(funding)

    @extend_schema(request=FundingInputSerializer, responses={201: FundingSerializer, **_WRITE_ERRORS})
    def create(self, request):
        serializer = FundingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        funding = services.funding_source_create(actor=request.user, data=serializer.validated_data)
        return self._answer(funding, status_code=201)

    @extend_schema(
        request=FundingInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: FundingSerializer, **_WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        funding = self.get_object()
        expected = self.expected_version(request, funding)
        serializer = FundingInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        funding = services.funding_source_update(
            actor=request.user, funding=funding, data=serializer.validated_data, expected_version=expected
        )
        return self._answer(funding)


@extend_schema(tags=["budgets"])
@extend_schema_view(
    list=extend_schema(responses={200: TransferSerializer(many=True), **error_responses(400, 401, 403, 404)})
)
class TransferViewSet(mixins.ListModelMixin, ApiViewMixin, viewsets.GenericViewSet):
    """Recorded transfers of planned amounts between line years."""

    serializer_class = TransferSerializer
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "transfer"
    rule_actions = {"list": READ, "create": "create"}

    def get_queryset(self) -> QuerySet[Transfer]:
        return Transfer.objects.order_by("-at", "-pk")

    @extend_schema(request=TransferInputSerializer, responses={201: TransferSerializer, **_WRITE_ERRORS})
    def create(self, request):
        serializer = TransferInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = services.transfer_create(
            actor=request.user,
            source_line_year=data["source"],
            target_line_year=data["target"],
            amount=data["amount"],
            reason=data["reason"],
            override=data["override"],
        )
        return Response(self.get_serializer(transfer).data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------ figures


_FIGURES = inline_serializer(
    "BudgetFigures",
    {
        name: serializers.CharField()
        for name in ("planned", "forecast", "committed", "paid", "remaining", "gap")
    },
)


@extend_schema(tags=["budgets"])
class ProjectBudgetView(ApiViewMixin, APIView):
    """A project's budget: its lines × years, totals by year and overall, and the S-curve."""

    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "budget"
    rule_actions = {"GET": READ}

    @extend_schema(
        responses={
            200: inline_serializer(
                "ProjectBudget",
                {
                    "project": serializers.IntegerField(),
                    "years": serializers.ListField(child=serializers.IntegerField()),
                    "lines": BudgetLineSerializer(many=True),
                    "totals": _FIGURES,
                    "year_totals": serializers.DictField(child=_FIGURES),
                    "s_curve": serializers.ListField(
                        child=serializers.DictField(child=serializers.CharField())
                    ),
                },
            ),
            **error_responses(400, 401, 403, 404),
        }
    )
    def get(self, request, pk):
        RULES.check(request.user, READ)
        project = project_get_for_user(user=request.user, pk=pk)
        budget = selectors.project_budget(project)
        lines = [row.line for row in budget.rows]
        return Response(
            {
                "project": project.pk,
                "years": budget.years,
                "lines": BudgetLineSerializer(lines, many=True).data,
                "totals": _figures(budget.total),
                "year_totals": {str(year): _figures(figures) for year, figures in budget.year_totals.items()},
                "s_curve": [
                    {
                        "month": point.month.isoformat(),
                        "planned": money_str(point.planned),
                        "forecast": money_str(point.forecast),
                        "committed": money_str(point.committed),
                        "paid": money_str(point.paid),
                    }
                    for point in selectors.s_curve(project)
                ],
            }
        )


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    envelope = id_field(required=False)
    objective = id_field(required=False)
    directorate = id_field(required=False)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)


def _groups(groups) -> list[dict]:
    """id, label, the figures, the children if any, then the group's extra keys (2,000 project rows: a
    section's come as JSON text from PostgreSQL, the same as these rows encoded, see
    selectors._SECTION_ROWS_JSON_SQL)."""
    rows = []
    for group in groups:
        row = {"id": group.key, "label": group.label}
        row.update(_figures(group.figures))
        if group.rows_json is not None:
            row["children"] = RawJSON(group.rows_json)
        elif group.children:
            row["children"] = _groups(group.children)
        row.update(group.extra)
        rows.append(row)
    return rows


@extend_schema(tags=["budgets"])
class BudgetSummaryView(ApiViewMixin, APIView):
    """Portfolio budget figures with the budget page's filters."""

    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "budget"
    rule_actions = {"GET": READ}
    renderer_classes = [RawJSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(name, OpenApiTypes.INT, required=False)
            for name in ("year", "envelope", "objective", "directorate")
        ]
        + [OpenApiParameter("status", OpenApiTypes.STR, required=False, enum=ProjectStatus.values)],
        responses={
            200: inline_serializer(
                "BudgetSummary",
                {
                    "total": _FIGURES,
                    "by_envelope": serializers.ListField(child=serializers.DictField()),
                    "by_objective": serializers.ListField(child=serializers.DictField()),
                    "by_directorate": serializers.ListField(child=serializers.DictField()),
                    "by_funding": serializers.ListField(child=serializers.DictField()),
                    "cp_consumption": serializers.DictField(),
                },
            ),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        RULES.check(request.user, READ)
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters_ = selectors.BudgetFilters(**query.validated_data)
        data = selectors.portfolio_budget(filters_, project_rows_json=True)
        cp = selectors.cp_consumption_by_month(
            filters_.year or timezone.localdate().year, envelope=filters_.envelope
        )
        return Response(
            {
                "total": _figures(data["total"]),
                "by_envelope": _groups(data["by_envelope"]),
                "by_objective": _groups(data["by_objective"]),
                "by_directorate": _groups(data["by_directorate"]),
                "by_funding": [
                    {
                        "id": row.funding.pk,
                        "name": row.funding.name,
                        "amount": money_str(row.funding.amount),
                        "allocated": money_str(row.allocated),
                        "committed": money_str(row.committed),
                        "paid": money_str(row.paid),
                        "still_to_justify": money_str(row.still_to_justify),
                        "justify_by": row.funding.justify_by.isoformat() if row.funding.justify_by else None,
                    }
                    for row in data["by_funding"]
                ],
                "cp_consumption": {
                    "year": cp["year"],
                    "voted": money_str(cp["voted"]),
                    "paid": money_str(cp["paid"]),
                    "months": [
                        {
                            "month": m["month"].isoformat(),
                            "paid": money_str(m["paid"]),
                            "cumulative": money_str(m["cumulative"]),
                        }
                        for m in cp["months"]
                    ],
                },
            }
        )


def register(router, extra_urlpatterns: list) -> None:
    router.register("envelopes", EnvelopeViewSet, basename="envelope")
    router.register("budget-lines", BudgetLineViewSet, basename="budget-line")
    router.register("budget-line-years", BudgetLineYearViewSet, basename="budget-line-year")
    router.register("fundings", FundingViewSet, basename="funding")
    router.register("transfers", TransferViewSet, basename="transfer")
    extra_urlpatterns += [
        path("projects/<int:pk>/budget/", ProjectBudgetView.as_view(), name="project-budget"),
        path("budgets/summary/", BudgetSummaryView.as_view(), name="budget-summary"),
    ]
