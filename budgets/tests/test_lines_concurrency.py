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


def test_two_imports_naming_the_same_projects_in_opposite_orders_both_complete(monkeypatch):
    """Each import used to lock a project as its rows came: file A (P1 then P2) and file B (P2 then P1)
    each held one and waited for the other (PostgreSQL then killed one import as a deadlock). Every
    project of a file is now locked first, in one order: the second import waits, then runs."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from budgets.lines_import import IMPORT_KIND, ExecutionImporter
    from budgets.models import ExecutionEntry
    from ppm.imports import import_job_request
    from ppm.models import ReportJob
    from ppm.testing import run_interleaved_imports

    monkeypatch.setattr("ppm.reports._enqueue", lambda task, job_id: None)
    pmo = UserFactory(role=Role.PROJECT_OFFICE, username="pmo-imports")
    refs = []
    for n in (1, 2):
        line = services.budget_line_create(
            actor=pmo,
            project=ProjectFactory(),
            data={"label": f"L{n}", "section": "investment", "nature": "services", "envelope": None},
        )
        line.external_ref = f"REF-{n}"
        line.save(update_fields=["external_ref"])
        refs.append(line.external_ref)
    header = "line,kind,date,amount,reference\n"
    files = {
        "A": header + f"{refs[0]},paid,2025-02-01,10,A-1\n{refs[1]},paid,2025-02-01,20,A-2\n",
        "B": header + f"{refs[1]},paid,2025-03-01,30,B-1\n{refs[0]},paid,2025-03-01,40,B-2\n",
    }
    jobs = {
        name: import_job_request(
            kind=IMPORT_KIND, upload=SimpleUploadedFile(f"{name}.csv", content.encode()), requested_by=pmo
        )
        for name, content in files.items()
    }
    # Both imports write their first row, then meet, then write their second: the interleaving that
    # deadlocked.
    errors = run_interleaved_imports(
        monkeypatch,
        ExecutionImporter,
        list(jobs.values()),
        meet_after=lambda row: row.reference in ("A-1", "B-1"),
    )
    assert not errors, errors
    for job in jobs.values():
        job.refresh_from_db()
        assert job.status == ReportJob.Status.READY, (job.error, job.row_errors)
    assert ExecutionEntry.objects.count() == 4
    paid = {y.line.external_ref: y.paid for y in BudgetLineYear.objects.select_related("line")}
    assert paid == {"REF-1": Decimal("50.00"), "REF-2": Decimal("50.00")}
