"""API of framework agreements, their prices, orders (with their lifecycle), consumption and the workload
cost of a project. Money is a string with two decimals ("12345.67") both ways; bad amounts are 400s.
Writable objects carry an ETag; writes honour If-Match (412 when stale)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from budgets import consumption, contracts, costing, money
from budgets.contracts_filters import AgreementFilterSet, OrderFilterSet
from budgets.models import (
    AgreementLot,
    AgreementPrice,
    BudgetLine,
    FrameworkAgreement,
    Order,
    PriceKind,
)
from budgets.permissions import RULES
from ppm.api.concurrency import IF_MATCH_HEADER, VersionedObjectMixin
from ppm.api.schema import error_responses
from ppm.api.serializers import ItemSerializer, id_field, related_field
from ppm.api.views import ApiViewMixin
from ppm.permissions import TablePermission
from resources.models import Profile, Vendor


class MoneyField(money.MoneyField):
    """A positive amount in euros (budgets.money's rules; zero only where allowed)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        super().__init__(allow_zero=allow_zero, **kwargs)


class LotSerializer(ItemSerializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(min_value=1, max_value=999)
    title = serializers.CharField(max_length=200)
    ceiling = MoneyField(required=False, allow_null=True)


class ConsumptionAlertSerializer(serializers.Serializer):
    kind = serializers.CharField()
    level = serializers.CharField()
    message = serializers.CharField()


class ConsumptionSerializer(serializers.Serializer):
    agreement = serializers.IntegerField(source="agreement.pk")
    reference = serializers.CharField(source="agreement.reference")
    ceiling = MoneyField()
    committed = MoneyField()
    invoiced = MoneyField()
    remaining = MoneyField()
    percent = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True, coerce_to_string=True)
    time_percent = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, coerce_to_string=True
    )
    end = serializers.DateField(help_text="The effective end (renewals used included).")
    exhaustion = serializers.DateField(allow_null=True, help_text="Forecast exhaustion date (linear).")
    alerts = ConsumptionAlertSerializer(many=True)


class AgreementSerializer(serializers.ModelSerializer):
    ceiling = MoneyField()
    minimum = MoneyField(allow_zero=True)
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = FrameworkAgreement
        fields = [
            "id",
            "reference",
            "title",
            "vendor",
            "vendor_name",
            "start",
            "end",
            "renewals",
            "max_renewals",
            "renewal_months",
            "ceiling",
            "minimum",
            "alert_thresholds",
            "expiry_alert_months",
            "notes",
            "version",
            "lots",
        ]


class AgreementDetailSerializer(AgreementSerializer):
    consumption = serializers.SerializerMethodField()

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "consumption"]

    def get_consumption(self, agreement) -> dict:
        return ConsumptionSerializer(consumption.agreement_consumption(agreement)).data


class AgreementInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=200)
    vendor = related_field(Vendor.objects.all())
    start = serializers.DateField()
    end = serializers.DateField()
    renewals = serializers.IntegerField(min_value=0, max_value=20, required=False)
    max_renewals = serializers.IntegerField(min_value=0, max_value=20, required=False)
    renewal_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    ceiling = MoneyField()
    minimum = MoneyField(allow_zero=True, required=False)
    alert_thresholds = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=99), max_length=10, required=False
    )
    expiry_alert_months = serializers.IntegerField(min_value=0, max_value=60, required=False)
    notes = serializers.CharField(allow_blank=True, max_length=5000, required=False)
    lots = LotSerializer(many=True, required=False)


class PriceSerializer(serializers.ModelSerializer):
    unit_price = MoneyField()

    class Meta:
        model = AgreementPrice
        fields = ["id", "lot", "kind", "code", "label", "profile", "unit", "unit_price", "valid_from"]


class PriceInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PriceKind.choices)
    code = serializers.SlugField(max_length=30)
    label = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    lot = related_field(AgreementLot.objects.all(), allow_null=True, required=False)
    profile = related_field(Profile.objects.all(), allow_null=True, required=False)
    unit = serializers.CharField(max_length=30, allow_blank=True, required=False, default="")
    unit_price = MoneyField()
    valid_from = serializers.DateField()


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    price = serializers.IntegerField(source="price_id")
    code = serializers.CharField(source="price.code", read_only=True)
    label = serializers.CharField(source="price.label", read_only=True)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    unit_price = MoneyField(read_only=True)
    amount = MoneyField(read_only=True)


class OrderSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    invoiced = MoneyField(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "title",
            "agreement",
            "lot",
            "project",
            "budget_line",
            "status",
            "ordered_on",
            "signed_on",
            "delivered_on",
            "invoiced_on",
            "amount",
            "invoiced",
            "version",
            "lines",
        ]
        read_only_fields = fields


class OrderLineInputSerializer(ItemSerializer):
    price = id_field(help_text="An agreement price (any revision of the code).")
    quantity = serializers.CharField(max_length=20, help_text='Days or units, e.g. "12.5".')


class OrderInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    agreement = related_field(FrameworkAgreement.objects.all())
    lot = related_field(AgreementLot.objects.all(), allow_null=True, required=False)
    budget_line = related_field(BudgetLine.objects.select_related("project"))
    ordered_on = serializers.DateField(required=False)
    lines = OrderLineInputSerializer(many=True, required=False)


class OrderTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=contracts.ORDER_MACHINE.action_names)
    amount = MoneyField(required=False, help_text="The invoiced amount (invoice; default: what is left).")
    date = serializers.DateField(required=False, help_text="When it happened (default: today).")
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class _Base(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    permission_classes = [TablePermission]
    rules = RULES
    filter_backends = [DjangoFilterBackend]


@extend_schema_view(
    list=extend_schema(
        summary="Framework agreements",
        responses={200: AgreementSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="A framework agreement, with its consumption",
        responses={200: AgreementDetailSerializer, 304: None, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        request=AgreementInputSerializer,
        responses={201: AgreementDetailSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    update=extend_schema(
        request=AgreementInputSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: AgreementDetailSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415)},
    ),
    partial_update=extend_schema(
        request=AgreementInputSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: AgreementDetailSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415)},
    ),
)
class AgreementViewSet(_Base):
    serializer_class = AgreementSerializer
    rule_entity = "agreement"
    rule_actions = {
        "list": "budget.view",
        "retrieve": "budget.view",
        "consumption": "budget.view",
        "create": "agreement.change",
        "update": "agreement.change",
        "partial_update": "agreement.change",
        "GET": "budget.view",
        "POST": "agreement.change",
    }
    filterset_class = AgreementFilterSet

    def get_queryset(self):
        return consumption.agreement_list().prefetch_related("lots")

    def get_object(self) -> FrameworkAgreement:
        agreement = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, agreement)
        return agreement

    def _answer(self, agreement, *, status_code=status.HTTP_200_OK, headers=None):
        agreement = get_object_or_404(self.get_queryset(), pk=agreement.pk)
        return self.versioned_response(
            agreement, AgreementDetailSerializer(agreement).data, status_code=status_code, headers=headers
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        agreement = self.get_object()
        return self.not_modified(request, agreement) or self._answer(agreement)

    def create(self, request, *args, **kwargs):
        serializer = AgreementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = contracts.agreement_create(actor=request.user, data=serializer.validated_data)
        location = reverse("api:agreement-detail", kwargs={"pk": agreement.pk}, request=request)
        return self._answer(agreement, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, partial: bool = False, **kwargs):
        agreement = self.get_object()
        expected = self.expected_version(request, agreement)
        serializer = AgreementInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        agreement = contracts.agreement_update(
            actor=request.user, agreement=agreement, data=serializer.validated_data, expected_version=expected
        )
        return self._answer(agreement)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        summary="Unit prices of an agreement (GET) or add a price / a revision (POST)",
        request=PriceInputSerializer,
        responses={
            200: PriceSerializer(many=True),
            201: PriceSerializer,
            **error_responses(400, 401, 403, 404, 413, 415),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def prices(self, request, pk=None):
        agreement = self.get_object()
        if request.method == "GET":
            prices = agreement.prices.order_by("code", "lot_id", "-valid_from")
            return Response(PriceSerializer(prices, many=True).data)
        serializer = PriceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        price = contracts.agreement_price_add(
            actor=request.user, agreement=agreement, **serializer.validated_data
        )
        return Response(PriceSerializer(price).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Consumption of every agreement",
        responses={200: ConsumptionSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def consumption(self, request):
        figures = consumption.agreements_consumption(list(self.get_queryset().order_by("reference", "pk")))
        return Response(ConsumptionSerializer(figures, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="Orders", responses={200: OrderSerializer(many=True), **error_responses(400, 401, 403, 404)}
    ),
    retrieve=extend_schema(
        summary="An order", responses={200: OrderSerializer, 304: None, **error_responses(401, 403, 404)}
    ),
    create=extend_schema(
        request=OrderInputSerializer,
        responses={201: OrderSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    update=extend_schema(
        request=OrderInputSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: OrderSerializer, **error_responses(400, 401, 403, 404, 409, 412, 413, 415)},
    ),
    partial_update=extend_schema(
        request=OrderInputSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: OrderSerializer, **error_responses(400, 401, 403, 404, 409, 412, 413, 415)},
    ),
    destroy=extend_schema(
        parameters=[IF_MATCH_HEADER], responses={204: None, **error_responses(401, 403, 404, 409, 412)}
    ),
)
class OrderViewSet(_Base):
    """Orders: drafts are created, changed and deleted here; `transition` signs, delivers, invoices or
    cancels them (the project office and finance)."""

    serializer_class = OrderSerializer
    rule_entity = "order"
    rule_actions = {
        "list": "budget.view",
        "retrieve": "budget.view",
        "create": "budget.view",  # checked again on the order by the service (a manager: own projects)
        "update": "order.change",
        "partial_update": "order.change",
        "destroy": "order.change",
        "transition": "order.transition",
    }
    filterset_class = OrderFilterSet

    def get_queryset(self):
        return Order.objects.select_related("agreement", "project").prefetch_related("lines__price")

    def get_object(self) -> Order:
        order = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, order)
        return order

    def _answer(self, order, *, status_code=status.HTTP_200_OK, headers=None):
        order = self.get_queryset().get(pk=order.pk)
        return self.versioned_response(
            order, OrderSerializer(order).data, status_code=status_code, headers=headers
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        order = self.get_object()
        return self.not_modified(request, order) or self._answer(order)

    def create(self, request, *args, **kwargs):
        serializer = OrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = contracts.order_create(
            actor=request.user,
            agreement=data["agreement"],
            budget_line=data["budget_line"],
            lot=data.get("lot"),
            title=data["title"],
            ordered_on=data.get("ordered_on"),
            lines=data.get("lines", []),
        )
        location = reverse("api:order-detail", kwargs={"pk": order.pk}, request=request)
        return self._answer(order, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, partial: bool = False, **kwargs):
        order = self.get_object()
        expected = self.expected_version(request, order)
        serializer = OrderInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("agreement", None)  # an order stays on its agreement
        order = contracts.order_update(actor=request.user, order=order, data=data, expected_version=expected)
        return self._answer(order)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        order = self.get_object()
        expected = self.expected_version(request, order)
        contracts.order_delete(actor=request.user, order=order, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move an order through its lifecycle",
        description=(
            "`sign` (commits the amount on the budget line; refused over the agreement's or lot's ceiling), "
            "`deliver`, `invoice` (with `amount` and `date`; partial invoices allowed up to the order's "
            "amount), `cancel` (a signed order's commitment is reversed). Refusals are 409 with the reason."
        ),
        request=OrderTransitionSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: OrderSerializer, **error_responses(400, 401, 403, 404, 409, 412, 413, 415)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        order = self.get_object()
        expected = self.expected_version(request, order)
        serializer = OrderTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = contracts.order_transition(
            actor=request.user,
            order=order,
            action=data["action"],
            expected_version=expected,
            amount=data.get("amount"),
            on=data.get("date"),
            comment=data.get("comment", ""),
        )
        return self._answer(order)


class WorkloadMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    planned_internal = MoneyField(source="cost.planned_internal")
    planned_external = MoneyField(source="cost.planned_external")
    actual_internal = MoneyField(source="cost.actual_internal")
    actual_external = MoneyField(source="cost.actual_external")
    planned_days = serializers.DecimalField(source="cost.planned_days", max_digits=12, decimal_places=2)
    actual_days = serializers.DecimalField(source="cost.actual_days", max_digits=12, decimal_places=3)
    committed = MoneyField(help_text="Cash committed on the project's lines that month.")
    paid = MoneyField(help_text="Cash paid on the project's lines that month.")


class WorkloadCostView(ApiViewMixin, GenericAPIView):
    """A project's workload cost by month (planned and actual, internal and external) beside its cash."""

    permission_classes = [IsAuthenticated]
    serializer_class = WorkloadMonthSerializer
    queryset = BudgetLine.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Workload cost of a project by month",
        responses={200: WorkloadMonthSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        from portfolio.selectors import project_get_for_user

        RULES.check(request.user, "budget.view")
        project = project_get_for_user(user=request.user, pk=pk)
        return Response(WorkloadMonthSerializer(costing.project_workload_rows(project.pk), many=True).data)
