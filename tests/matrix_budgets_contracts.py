"""Pages and API endpoints of the budgets app's contracts part, in the permissions matrix (see
tests/matrix_budgets.py for the targets and tests/matrix.py for Endpoint)."""

from django.urls import reverse

from budgets.models import FrameworkAgreement, Order
from tests.matrix import Endpoint

ORDER_DAY = "2025-06-02"


def _agreement_form(c) -> dict:
    agreement = c.target
    return {
        "reference": agreement.reference,
        "title": "Renamed agreement",
        "vendor": agreement.vendor_id,
        "start": agreement.start.isoformat(),
        "end": agreement.end.isoformat(),
        "max_renewals": "0",
        "renewals": "0",
        "renewal_months": "12",
        "ceiling": f"{agreement.ceiling}",
        "minimum": f"{agreement.minimum}",
        "alert_thresholds": "80, 95",
        "expiry_alert_months": "6",
    }


def _new_agreement(c) -> dict:
    from resources.tests.factories import VendorFactory

    return {
        **_agreement_form(type("C", (), {"target": _agreement_of(c)})),
        "reference": "AC-MATRIX",
        "vendor": VendorFactory().pk,
    }


def _agreement_of(c):
    from budgets.tests.factories import FrameworkAgreementFactory

    return c.extra.setdefault("agreement", FrameworkAgreementFactory())


def _order_form(c) -> dict:
    order = c.target
    return {
        "title": "Renamed order",
        "agreement": order.agreement_id,
        "budget_line": order.budget_line_id,
        "ordered_on": ORDER_DAY,
    }


def _costing_requests(c):
    from budgets.models import CostingSnapshot

    return CostingSnapshot.objects.filter(key="portfolio").values_list("request_seq", flat=True).first()


def _order_state(c):
    order = Order.objects.filter(pk=c.target.pk).values_list("title", "status").first()
    return order


PAGES: list = [
    Endpoint("agreements", "budget.view", "-", "get", lambda c: reverse("budgets:agreement_list")),
    Endpoint("agreements-export", "budget.view", "-", "get", lambda c: reverse("budgets:agreement_export")),
    Endpoint(
        "agreement",
        "budget.view",
        "any",
        "get",
        lambda c: reverse("budgets:agreement_detail", args=[c.target.pk]),
        entity="agreement",
    ),
    Endpoint(
        "agreement-create",
        "agreement.change",
        "any",
        "post",
        lambda c: reverse("budgets:agreement_create"),
        data=_new_agreement,
        success=302,
        state=lambda c: FrameworkAgreement.objects.filter(reference="AC-MATRIX").count(),
    ),
    Endpoint(
        "agreement-edit",
        "agreement.change",
        "any",
        "post",
        lambda c: reverse("budgets:agreement_edit", args=[c.target.pk]),
        data=_agreement_form,
        success=302,
        state=lambda c: FrameworkAgreement.objects.get(pk=c.target.pk).title,
    ),
    Endpoint(
        "agreement-price-add",
        "agreement.change",
        "any",
        "post",
        lambda c: reverse("budgets:agreement_price_add", args=[c.target.pk]),
        data=lambda c: {
            "kind": "profile",
            "code": "DEV",
            "label": "Dev",
            "unit_price": "600.00",
            "valid_from": "2025-01-01",
        },
        success=302,
        state=lambda c: c.target.prices.count(),
    ),
    Endpoint("orders", "budget.view", "-", "get", lambda c: reverse("budgets:order_list")),
    Endpoint(
        "orders-export", "budget.view", "-", "get", lambda c: reverse("budgets:order_export", args=["xlsx"])
    ),
    Endpoint(
        "order-lines-preview", "budget.view", "-", "get", lambda c: reverse("budgets:order_lines_preview")
    ),
    Endpoint("costing", "budget.view", "-", "get", lambda c: reverse("budgets:costing")),
    Endpoint("costing-status", "budget.view", "-", "get", lambda c: reverse("budgets:costing_status")),
    Endpoint(
        "costing-rebuild",
        "costing.rebuild",
        "-",
        "post",
        lambda c: reverse("budgets:costing_rebuild"),
        success=302,
        state=_costing_requests,
    ),
    *(
        Endpoint(
            "order-create",
            "order.change",
            target,
            "post",
            lambda c: reverse("budgets:order_create"),
            data=lambda c: {
                **_order_form(c),
                "title": "Created by the matrix",
                "project": c.target.project_id,
            },
            success=302,
            state=lambda c: Order.objects.filter(title="Created by the matrix").count(),
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint(
            "order-update",
            "order.change",
            target,
            "post",
            lambda c: reverse("budgets:order_detail", args=[c.target.pk]),
            data=_order_form,
            success=302,
            state=_order_state,
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint(
            "order-transition",
            "order.transition",
            target,
            "post",
            lambda c: reverse("budgets:order_transition", args=[c.target.pk]),
            data=lambda c: {"action": "cancel", "version": c.target.version},
            success=302,
            state=_order_state,
        )
        for target in ("own", "other")
    ),
]


def _order_api_state(c):
    return Order.objects.filter(pk=c.target.pk).values_list("title", "status").first()


API: list = [
    Endpoint("api-agreements", "budget.view", "-", "get", lambda c: reverse("api:agreement-list")),
    Endpoint("api-consumption", "budget.view", "-", "get", lambda c: reverse("api:agreement-consumption")),
    Endpoint(
        "api-agreement-create",
        "agreement.change",
        "any",
        "post",
        lambda c: reverse("api:agreement-list"),
        data=lambda c: {**_new_agreement(c), "minimum": "0.00", "alert_thresholds": [80, 95]},
        success=201,
        state=lambda c: FrameworkAgreement.objects.filter(reference="AC-MATRIX").count(),
    ),
    Endpoint(
        "api-agreement-patch",
        "agreement.change",
        "any",
        "patch",
        lambda c: reverse("api:agreement-detail", args=[c.target.pk]),
        data=lambda c: {"title": "Renamed agreement"},
        state=lambda c: FrameworkAgreement.objects.get(pk=c.target.pk).title,
    ),
    Endpoint(
        "api-agreement-put",
        "agreement.change",
        "any",
        "put",
        lambda c: reverse("api:agreement-detail", args=[c.target.pk]),
        data=lambda c: {**_agreement_form(c), "minimum": f"{c.target.minimum}", "alert_thresholds": [80, 95]},
        state=lambda c: FrameworkAgreement.objects.get(pk=c.target.pk).title,
    ),
    Endpoint(
        "api-agreement-price-add",
        "agreement.change",
        "any",
        "post",
        lambda c: reverse("api:agreement-prices", args=[c.target.pk]),
        data=lambda c: {"kind": "profile", "code": "DEV", "unit_price": "600.00", "valid_from": "2025-01-01"},
        success=201,
        state=lambda c: c.target.prices.count(),
    ),
    Endpoint("api-orders", "budget.view", "-", "get", lambda c: reverse("api:order-list")),
    *(
        Endpoint(
            "api-order-create",
            "order.change",
            target,
            "post",
            lambda c: reverse("api:order-list"),
            data=lambda c: {**_order_form(c), "title": "Created by the matrix"},
            success=201,
            state=lambda c: Order.objects.filter(title="Created by the matrix").count(),
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint(
            "api-order-patch",
            "order.change",
            target,
            "patch",
            lambda c: reverse("api:order-detail", args=[c.target.pk]),
            data=lambda c: {"title": "Renamed order"},
            state=_order_api_state,
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint(
            "api-order-put",
            "order.change",
            target,
            "put",
            lambda c: reverse("api:order-detail", args=[c.target.pk]),
            data=_order_form,
            state=_order_api_state,
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint(
            "api-order-delete",
            "order.change",
            target,
            "delete",
            lambda c: reverse("api:order-detail", args=[c.target.pk]),
            success=204,
            state=_order_api_state,
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint(
            "api-order-transition",
            "order.transition",
            target,
            "post",
            lambda c: reverse("api:order-transition", args=[c.target.pk]),
            data=lambda c: {"action": "cancel"},
            state=_order_api_state,
        )
        for target in ("own", "other")
    ),
    Endpoint(
        "api-workload-cost",
        "budget.view",
        "-",
        "get",
        lambda c: reverse("api:project-workload-cost", args=[c.project.pk]),
    ),
]
SAME_AS: dict[str, str] = {
    "budgets:order_detail": "order-update",
    "budgets:agreement_create": "agreement-create",
    "budgets:agreement_edit": "agreement-edit",
}
NOT_RULED: set[str] = set()
