"""Concurrent writes on budgets against a real threaded server: allocations racing for the last CP of an
envelope never over-allocate it, and concurrent reforecasts with the same ETag keep exactly one."""

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from budgets import services
from budgets.models import BudgetLineYear, ForecastRevision
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _send(method, url, **kwargs):
    for _attempt in range(40):
        try:
            return requests.request(method, url, timeout=120, **kwargs)
        except requests.ConnectionError:
            time.sleep(0.05)
    return requests.request(method, url, timeout=120, **kwargs)


def test_racing_allocations_and_reforecasts(live_server):
    pmo = UserFactory(role=Role.PROJECT_OFFICE, username="pmo-race")
    token = api_token_create(user=pmo, name="race")[1]
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    envelope = services.envelope_create(
        actor=pmo,
        code="RACE",
        name="Race",
        first_year=2025,
        last_year=2025,
        sections=[{"section": "investment", "authority": "1000", "payment_credits": {2025: "1000"}}],
    )
    project = ProjectFactory()

    # Eight lines asking 300 € each of the same 1,000 € section: at most three may pass.
    def create(n):
        body = {
            "project": project.pk,
            "label": f"L{n}",
            "section": "investment",
            "nature": "services",
            "envelope": envelope.pk,
            "years": [{"year": 2025, "planned": "300.00"}],
        }
        return _send(
            "POST", f"{live_server.url}/api/v1/budget-lines/", json=body, headers=headers
        ).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(create, range(8)))
    assert set(codes) <= {201, 400}, codes
    assert codes.count(201) == 3
    total = sum(y.planned for y in BudgetLineYear.objects.filter(line__envelope=envelope))
    assert total == Decimal("900.00")

    year = BudgetLineYear.objects.filter(line__envelope=envelope).first()
    etag = f'"{year.pk}-{year.version}"'

    def reforecast(n):
        return _send(
            "POST",
            f"{live_server.url}/api/v1/budget-line-years/{year.pk}/reforecast/",
            json={"forecast": f"{310 + n}.00", "comment": f"r{n}"},
            headers={**headers, "If-Match": etag},
        ).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(reforecast, range(6)))
    assert sorted(codes) == [200] + [412] * 5, codes
    assert ForecastRevision.objects.filter(line_year=year).count() == 1
