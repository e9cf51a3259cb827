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


def test_two_time_imports_naming_the_same_people_in_opposite_orders_both_complete(monkeypatch):
    """Each import locked a person's week as its rows came: file A (Alice then Bruno) and file B (Bruno
    then Alice) each held one week and waited for the other. The people of a file are now locked first,
    in one order: the second import waits, then runs."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ppm.imports import import_job_request
    from ppm.models import ReportJob
    from ppm.testing import run_interleaved_imports
    from resources.timesheet_imports import IMPORT_KIND, TimeImporter

    monkeypatch.setattr("ppm.reports._enqueue", lambda task, job_id: None)
    pmo = UserFactory(role=Role.PROJECT_OFFICE, username="pmo-time-imports")
    ProjectFactory(code="ALPHA", status="in_progress")
    alice, bruno = (
        PersonWithAccountFactory(user=UserFactory(username=name, email=f"{name}@example.org"))
        for name in ("alice", "bruno")
    )
    header = "person,date,project,activity,days,hours,note\n"
    files = {
        "A": header + "alice@example.org,2025-09-01,ALPHA,,1,,A\nbruno@example.org,2025-09-01,ALPHA,,1,,A\n",
        "B": header + "bruno@example.org,2025-09-02,ALPHA,,1,,B\nalice@example.org,2025-09-02,ALPHA,,1,,B\n",
    }
    jobs = [
        import_job_request(
            kind=IMPORT_KIND, upload=SimpleUploadedFile(f"{n}.csv", c.encode()), requested_by=pmo
        )
        for n, c in files.items()
    ]
    firsts = {(alice.pk, "A"), (bruno.pk, "B")}
    errors = run_interleaved_imports(
        monkeypatch, TimeImporter, jobs, meet_after=lambda row: (int(row["resource"]), row["note"]) in firsts
    )

    assert not errors, errors
    for job in jobs:
        job.refresh_from_db()
        assert job.status == ReportJob.Status.READY, (job.error, job.row_errors)
    assert TimeEntry.objects.count() == 4
    assert {t.resource_id for t in Timesheet.objects.filter(week=WEEK)} == {alice.pk, bruno.pk}
