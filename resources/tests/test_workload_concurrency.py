"""Concurrent writes to one workload plan against a real threaded server: two people type in the same
empty cell at once (one wins, the other sees a conflict in the cell), two bulk PUTs with the same plan
ETag (one 200, one 412); never a 5xx, nothing lost."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client

from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import UserFactory
from resources import workload
from resources.models import Allocation
from tests.test_concurrent_writes import _run_together, _send

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _session(live_server, user, project):
    client = Client()
    client.force_login(user)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    page = _send("GET", f"{live_server.url}/projects/{project.pk}/workload/?year=2025", cookies=cookies)
    assert page.status_code == 200
    return {**cookies, **page.cookies.get_dict()}, CSRF_INPUT.search(page.text).group(1)


def test_two_people_typing_in_the_same_cell(live_server):
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    project = ProjectFactory(manager=manager)
    url = f"{live_server.url}/projects/{project.pk}/workload/cell/"
    sessions = [_session(live_server, user, project) for user in (manager, pmo)]

    def post(index, days):
        cookies, token = sessions[index]
        response = _send(
            "POST",
            url,
            data={
                "cell": "moe|||0|2025-03-01",
                "family": "moe",
                "period_start": "2025-03-01",
                "version": 0,  # both read the empty cell
                "days": days,
                "view_year": "2025",
            },
            cookies=cookies,
            headers={"HX-Request": "true", "X-CSRFToken": token, "Referer": url},
        )
        assert response.status_code == 200, response.status_code
        return "changed by someone else" in response.text

    conflicts = _run_together([lambda: post(0, "4"), lambda: post(1, "6")])

    assert sorted(conflicts) == [False, True], conflicts
    cell = Allocation.objects.get(project=project)
    assert cell.version == 1 and cell.days in (Decimal("4"), Decimal("6"))


def test_two_bulk_writes_with_the_same_plan_etag(live_server):
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    _token, raw = api_token_create(user=pmo, name="concurrent")
    project = ProjectFactory()
    Allocation.objects.create(project=project, family="moe", period_start=datetime.date(2025, 3, 1), days=1)
    etag = f'"{workload.plan_etag(project)}"'
    url = f"{live_server.url}/api/v1/projects/{project.pk}/allocations/"

    def put(days):
        rows = [{"family": "moe", "period_start": "2025-03-01", "days": days}]
        response = _send(
            "PUT", url, json={"rows": rows}, headers={"Authorization": f"Token {raw}", "If-Match": etag}
        )
        return response.status_code

    statuses = _run_together([lambda: put("2"), lambda: put("3")])

    assert sorted(statuses) == [200, 412], statuses
    assert Allocation.objects.get(project=project).days in (Decimal("2"), Decimal("3"))
