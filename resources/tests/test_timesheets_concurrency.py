"""Concurrent writers on a week, against a real threaded server: the same version sent by several
clients at once is accepted once; the others get 412; none gets a 5xx; the week holds one writer's rows."""

import datetime
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import UserFactory
from resources import timesheets as services
from resources.models import TimeEntry, Timesheet
from resources.tests.factories import PersonWithAccountFactory

pytestmark = pytest.mark.django_db(transaction=True)
WEEK = datetime.date(2025, 9, 1)


def _send(method, url, **kwargs):
    for _attempt in range(40):
        try:
            return requests.request(method, url, timeout=120, **kwargs)
        except requests.ConnectionError:
            time.sleep(0.05)
    return requests.request(method, url, timeout=120, **kwargs)


def test_concurrent_saves_with_one_version(live_server):
    person = PersonWithAccountFactory(user=UserFactory(role=Role.CONTRIBUTOR))
    projects = [ProjectFactory(status="in_progress") for _ in range(4)]
    ts = services.timesheet_get_or_create(actor=person.user, resource=person, week=WEEK)
    _token, raw = api_token_create(user=person.user, name="concurrency")
    headers = {"Authorization": f"Token {raw}", "If-Match": f'"{ts.pk}-{ts.version}"'}
    url = f"{live_server.url}/api/v1/timesheets/{ts.pk}/"

    def put(project):
        body = {"rows": [{"project": project.pk, "days": {WEEK.isoformat(): "1"}}]}
        return _send("PUT", url, json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(put, projects))
    assert sorted(statuses) == [200, 412, 412, 412], statuses
    assert Timesheet.objects.get(pk=ts.pk).version == ts.version + 1
    assert TimeEntry.objects.filter(line__timesheet=ts).count() == 1
