"""The contracts API: money as strings, bad amounts 400, If-Match, lifecycle, query counts; concurrent
signatures over the ceiling (exactly one wins)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
import requests
from django.urls import reverse
from rest_framework.test import APIClient

from budgets import contracts
from budgets.models import BudgetLineYear, Order, OrderStatus
from budgets.tests.factories import AgreementPriceFactory, BudgetLineFactory, FrameworkAgreementFactory
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.testing import assert_same_queries_at_two_sizes

D = Decimal


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="fin1")


@pytest.fixture
def api(finance):
    client = APIClient()
    client.force_authenticate(finance)
    return client


@pytest.fixture
def setup(db):
    agreement = FrameworkAgreementFactory(
        start=date(2024, 1, 1), end=date(2030, 12, 31), ceiling=D("10000.00"), minimum=D("0.00")
    )
    price = AgreementPriceFactory(
        agreement=agreement, code="DEV", unit_price=D("620.00"), valid_from=date(2024, 1, 1)
    )
    line = BudgetLineFactory(project=ProjectFactory(status="in_progress"))
    return agreement, price, line


@pytest.mark.django_db
def test_order_lifecycle_through_the_api(api, setup):
    agreement, price, line = setup
    response = api.post(
        reverse("api:order-list"),
        {
            "title": "Sprint",
            "agreement": agreement.pk,
            "budget_line": line.pk,
            "ordered_on": "2025-03-03",
            "lines": [{"price": price.pk, "quantity": "3.5"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["amount"] == "2170.00" and body["lines"][0]["unit_price"] == "620.00"
    url = reverse("api:order-transition", args=[body["id"]])
    stale = api.post(url, {"action": "sign"}, format="json", HTTP_IF_MATCH=f'"{body["id"]}-99"')
    assert stale.status_code == 412
    signed = api.post(
        url, {"action": "sign", "date": "2025-03-04"}, format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert BudgetLineYear.objects.get(line=line, year=2025).committed == D("2170.00")
    for bad in ("NaN", "1e400", "-5", "1.234", "Infinity", 12.5):
        refused = api.post(url, {"action": "invoice", "amount": bad}, format="json")
        assert refused.status_code == 400, (bad, refused.data)
        assert "amount" in refused.json() or "detail" in refused.json()
    invoiced = api.post(url, {"action": "invoice", "amount": "1000.00", "date": "2025-04-01"}, format="json")
    assert invoiced.json()["invoiced"] == "1000.00"
    assert api.post(url, {"action": "cancel"}, format="json").status_code == 409
    assert (
        api.patch(reverse("api:order-detail", args=[body["id"]]), {"title": "x"}, format="json").status_code
        == 409
    )


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["agreement", "budget_line", "lot", "price"])
def test_an_id_past_the_database_integers_is_a_400_not_a_500(api, setup, field):
    """Found by the fuzzer on SQLite: a 20-digit price id reached the database (OverflowError, a 500)."""
    agreement, price, line = setup
    body = {
        "title": "Sprint",
        "agreement": agreement.pk,
        "budget_line": line.pk,
        "ordered_on": "2025-03-03",
        "lines": [{"price": price.pk, "quantity": "1"}],
    }
    if field == "price":
        body["lines"][0]["price"] = 2**64
    else:
        body[field] = 2**64
    response = api.post(reverse("api:order-list"), body, format="json")
    assert response.status_code == 400, response.content
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_agreement_api_consumption_and_prices(api, setup):
    agreement, price, line = setup
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        budget_line=line,
        title="O",
        ordered_on=date(2025, 3, 3),
        lines=[{"price": price.pk, "quantity": "13"}],
    )
    contracts.order_transition(actor=None, order=order, action="sign", on=date(2025, 3, 3))
    detail = api.get(reverse("api:agreement-detail", args=[agreement.pk])).json()
    assert detail["consumption"]["committed"] == "8060.00"
    assert detail["consumption"]["percent"] == "80.6"
    assert [alert["kind"] for alert in detail["consumption"]["alerts"]] == ["threshold"]
    allc = api.get(reverse("api:agreement-consumption")).json()
    assert allc[0]["ceiling"] == "10000.00"
    prices_url = reverse("api:agreement-prices", args=[agreement.pk])
    revision = api.post(
        prices_url,
        {"kind": "profile", "code": "DEV", "unit_price": "635.50", "valid_from": "2026-01-01"},
        format="json",
    )
    assert revision.status_code == 201 and revision.json()["unit_price"] == "635.50"
    assert len(api.get(prices_url).json()) == 2
    bad = api.patch(
        reverse("api:agreement-detail", args=[agreement.pk]), {"ceiling": "5000.00"}, format="json"
    )
    assert bad.status_code == 400  # under what orders already commit
    bad = api.patch(
        reverse("api:agreement-detail", args=[agreement.pk]),
        '{"ceiling": 1e400}',
        content_type="application/json",
    )
    assert bad.status_code == 400


@pytest.mark.django_db
def test_api_lists_queries_constant(api):
    def grow(n: int) -> None:
        for _ in range(n):
            agreement = FrameworkAgreementFactory(start=date(2024, 1, 1), end=date(2030, 12, 31))
            price = AgreementPriceFactory(agreement=agreement, valid_from=date(2024, 1, 1))
            line = BudgetLineFactory()
            order = contracts.order_create(
                actor=None,
                agreement=agreement,
                budget_line=line,
                title="O",
                ordered_on=date(2025, 1, 6),
                lines=[{"price": price.pk, "quantity": "1"}],
            )
            contracts.order_transition(actor=None, order=order, action="sign", on=date(2025, 1, 6))

    def read():
        assert api.get(reverse("api:agreement-list")).json()["count"] > 0
        assert api.get(reverse("api:order-list")).json()["count"] > 0
        assert len(api.get(reverse("api:agreement-consumption")).json()) > 0

    assert_same_queries_at_two_sizes(read, grow=grow, sizes=(2, 5))


@pytest.mark.django_db
def test_workload_cost_api(api, setup):
    from resources.tests.factories import AllocationFactory, ResourceFactory

    project = ProjectFactory()
    AllocationFactory(
        project=project,
        resource=ResourceFactory(daily_cost=D("480.00")),
        period_start=date(2025, 9, 1),
        days=D("2"),
    )
    rows = api.get(reverse("api:project-workload-cost", args=[project.pk])).json()
    assert rows == [
        {
            "month": "2025-09-01",
            "planned_internal": "960.00",
            "planned_external": "0.00",
            "actual_internal": "0.00",
            "actual_external": "0.00",
            "planned_days": "2.00",
            "actual_days": "0.000",
            "committed": "0.00",
            "paid": "0.00",
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_signs_over_the_ceiling_exactly_one_wins(live_server, finance, setup):
    agreement, price, line = setup
    orders = [
        contracts.order_create(
            actor=None,
            agreement=agreement,
            budget_line=line,
            title=f"O{n}",
            ordered_on=date(2025, 3, 3),
            lines=[{"price": price.pk, "quantity": "10"}],
        )
        for n in range(2)
    ]  # 6,200 each: together 12,400 over the 10,000 ceiling
    _token, raw = api_token_create(user=finance, name="race")

    def sign(order):
        return requests.post(
            f"{live_server.url}{reverse('api:order-transition', args=[order.pk])}",
            json={"action": "sign"},
            headers={"Authorization": f"Token {raw}"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(sign, orders))
    assert codes == [200, 409]
    assert Order.objects.filter(status=OrderStatus.SIGNED).count() == 1
    assert sum(BudgetLineYear.objects.filter(line=line).values_list("committed", flat=True)) == D("6200.00")
