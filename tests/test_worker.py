"""Integration with a real Celery worker process, a real broker and the test database.

The worker runs `python -m celery -A ppm worker --pool=solo` against the database pytest-django
created (a file for SQLite, see ppm/settings.py; the test database for PostgreSQL) and:
- the filesystem broker in a temporary folder by default (no server needed);
- Redis when CELERY_BROKER_URL is redis://… (CI), in a Redis database that was empty, so that
  parallel runs and a developer's worker don't take each other's messages.
The producer side (this process) is pointed at the same broker.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu import pools as kombu_pools

from portfolio import services
from portfolio.models import PortfolioSnapshot
from portfolio.rules import ProjectStatus
from portfolio.sheet import SHEET_KIND
from portfolio.tasks import render_project_sheet, take_portfolio_snapshot
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm.celery import app as celery_app
from ppm.models import ReportJob
from ppm.roles import Role
from ppm.tests.factories import DirectorateFactory, UserFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
    ),
]

WORKER_START_TIMEOUT = 60
TASK_TIMEOUT = 60


def _database_url() -> str:
    """URL of the test database, for the worker's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("The SQLite test database must be a file for a worker to share it (ppm/settings.py).")
        return f"sqlite:///{name}"
    if connection.vendor == "postgresql":
        credentials = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or ""
        netloc = f"{credentials}@{host}" if credentials else host
        if db.get("PORT"):
            netloc += f":{db['PORT']}"
        return f"postgres://{netloc}/{quote(db['NAME'], safe='')}"
    pytest.skip(f"No worker test for the {connection.vendor} backend")


def _redis_key_prefix() -> str:
    """The worker test's own key prefix in the configured Redis database: it shares the database with
    whatever else uses it (other test runs, a developer's instance) and deletes only its own keys."""
    return f"pilotis-worker-test-{uuid.uuid4().hex[:12]}:"


def _delete_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)


def _configure_producer(broker_url: str, transport_options: dict) -> None:
    """Point this process' Celery app at the worker's broker and drop pooled connections.

    (Celery reads the CELERY_BROKER_URL environment variable before its configuration: the
    fixture sets that variable too.)"""
    celery_app.conf.broker_url = broker_url
    celery_app.conf.broker_write_url = None
    celery_app.conf.broker_transport_options = transport_options
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    # What Celery itself resets after a fork (Celery._after_fork).
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None
    # kombu keeps producer pools in a process-wide registry keyed by connection: a later fixture
    # on the same broker URL would get the pool closed above ("Acquire on closed pool").
    kombu_pools.reset()


@pytest.fixture
def worker(transactional_db, settings, tmp_path, monkeypatch):
    """A running Celery worker sharing this test's database, broker and media storage."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    env = {
        **os.environ,
        "PILOTIS_TESTING": "1",
        "PILOTIS_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_MEDIA_ROOT": str(media),
        "DATABASE_URL": _database_url(),
        "DJANGO_LOG_LEVEL": "INFO",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        broker_url = settings.CELERY_BROKER_URL
        key_prefix = _redis_key_prefix()
        transport_options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": key_prefix}
        env["CELERY_BROKER_URL"] = broker_url
        env["CELERY_BROKER_KEY_PREFIX"] = key_prefix
    else:
        broker_dir = tmp_path / "broker"
        broker_url = "filesystem://"
        transport_options = {
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "processed_folder": str(broker_dir / "processed"),
            "control_folder": str(broker_dir / "control"),
            "store_processed": False,
        }
        for folder in ("queue", "processed", "control"):
            (broker_dir / folder).mkdir(parents=True)
        env["CELERY_BROKER_URL"] = broker_url
        env["CELERY_BROKER_DIR"] = str(broker_dir)

    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    _configure_producer(broker_url, transport_options)
    log_path = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "ppm",
        "worker",
        "--pool=solo",
        "-l",
        "info",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "-n",
        f"pilotis-test-{uuid.uuid4().hex[:8]}@%h",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        banner = log_path.read_text(errors="replace")
        transport = next((line for line in banner.splitlines() if ".> transport:" in line), "")
        parts = urlsplit(broker_url)
        expected = f"{parts.hostname}:{parts.port or 6379}{parts.path}" if parts.hostname else "filesystem://"
        assert expected in transport, f"The worker uses another broker than {expected}:\n{banner}"
        process.log_path = log_path  # type: ignore[attr-defined]
        yield process
    finally:
        process.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        monkeypatch.undo()
        _configure_producer(*saved)
        if broker_url.startswith(("redis://", "rediss://")):
            _delete_redis_keys(broker_url, key_prefix)


def _wait_for(predicate, worker, what: str):
    deadline = time.monotonic() + TASK_TIMEOUT
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail(f"Timed out waiting for {what}. Worker log:\n{worker.log_path.read_text(errors='replace')}")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()


def test_sheet_is_rendered_by_the_worker_exactly_once(worker, client, settings):
    user = UserFactory(username="pmo-worker", role=Role.PROJECT_OFFICE)
    project = services.project_create(
        actor=user,
        code="WRK-1",
        name="Worker-rendered project",
        directorate=DirectorateFactory(code="DW", name="Worker directorate"),
    )
    client.force_login(user)
    request_url = reverse("portfolio:project_sheet_request", args=[project.pk])
    htmx = {"HX-Request": "true"}

    response = client.post(request_url, headers=htmx)
    assert response.status_code == 200
    job = ReportJob.objects.get(kind=SHEET_KIND)

    def ready():
        job.refresh_from_db()
        if job.status == ReportJob.Status.FAILED:
            pytest.fail(f"The sheet failed: {job.error}\n{worker.log_path.read_text(errors='replace')}")
        return job.status == ReportJob.Status.READY

    _wait_for(ready, worker, "the project sheet")
    path = Path(settings.MEDIA_ROOT) / job.file.name
    assert "Worker-rendered project" in pdf_text(path)
    assert job.attempts == 1
    finished_at, mtime = job.finished_at, path.stat().st_mtime_ns

    # Asking again returns the ready sheet without queuing anything.
    response = client.post(request_url, headers=htmx)
    assert 'data-sheet-status="ready"' in response.content.decode()
    # A redelivered message (same job id) is a no-op in the worker.
    render_project_sheet.delay(job.pk).get(timeout=TASK_TIMEOUT)

    job.refresh_from_db()
    assert ReportJob.objects.count() == 1
    assert job.attempts == 1
    assert job.finished_at == finished_at
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == [path.name]

    download = client.get(reverse("portfolio:project_sheet_download", args=[project.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == path.read_bytes()


def test_portfolio_snapshot_is_taken_by_the_worker(worker):
    objective = ObjectiveFactory(code="OBJ-W")
    ProjectFactory(status=ProjectStatus.IN_PROGRESS, objectives=[objective])
    ProjectFactory(status=ProjectStatus.CLOSED)

    day = take_portfolio_snapshot.delay().get(timeout=TASK_TIMEOUT)

    assert day == timezone.localdate().isoformat()
    snapshot = PortfolioSnapshot.objects.get(day=timezone.localdate())
    assert snapshot.total == 2
    assert snapshot.by_status[ProjectStatus.IN_PROGRESS] == 1
    assert snapshot.by_objective == {"OBJ-W": 1}


def test_project_import_is_run_by_the_worker_all_or_nothing(worker, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio.models import Project

    user = UserFactory(username="pmo-import", role=Role.PROJECT_OFFICE)
    DirectorateFactory(code="DWI", name="Worker import directorate")
    client.force_login(user)
    url = reverse("portfolio:project_import")

    def finished(job):
        def check():
            job.refresh_from_db()
            return job.status in (ReportJob.Status.READY, ReportJob.Status.FAILED)

        return check

    bad = b"code,name,directorate\nWI-1,Good row,DWI\nWI-2,Bad directorate,NOWHERE\n"
    response = client.post(url, {"file": SimpleUploadedFile("bad.csv", bad, content_type="text/csv")})
    assert response.status_code == 302
    job = ReportJob.objects.get(kind="project_import")
    _wait_for(finished(job), worker, "the failing import")
    assert job.status == ReportJob.Status.FAILED
    assert job.row_errors == [
        {"line": 3, "field": "directorate", "message": "Unknown directorate “NOWHERE”."}
    ]
    assert not Project.objects.filter(code__startswith="WI-").exists()

    good = b"code,name,directorate\nWI-1,Good row,DWI\nWI-2,Another good row,dwi\n"
    client.post(url, {"file": SimpleUploadedFile("good.csv", good, content_type="text/csv")})
    job = ReportJob.objects.filter(kind="project_import").order_by("-pk").first()
    _wait_for(finished(job), worker, "the import")
    assert job.status == ReportJob.Status.READY, job.row_errors
    assert job.result == {"rows": 2, "imported": 2} and job.progress == 100
    assert sorted(Project.objects.values_list("code", flat=True)) == ["WI-1", "WI-2"]


def test_housekeeping_tasks_run_in_the_worker(worker, settings):
    """The beat-scheduled tasks: a job whose worker died is failed; a superseded sheet is deleted."""
    from datetime import timedelta

    from ppm.reports import STALLED_RUNNING_AFTER, report_job_request, report_job_run
    from ppm.tasks import fail_stalled_report_jobs, purge_report_jobs

    user = UserFactory(username="pmo-housekeeping", role=Role.PROJECT_OFFICE)
    project = services.project_create(
        actor=user, code="HK-1", name="Housekeeping", directorate=DirectorateFactory(code="DHK")
    )

    def request(version):
        job = report_job_request(
            kind=SHEET_KIND,
            instance=project,
            version=version,
            requested_by=user,
            task=_NoTask(),
            language="en",
        )
        report_job_run(job_id=job.pk, render=lambda job: ("sheet.pdf", b"%%PDF-1.7 v%d" % version))
        job.refresh_from_db()
        return job

    old, new = request(1), request(2)
    old_path = Path(settings.MEDIA_ROOT) / old.file.name
    assert old_path.exists()
    dead = ReportJob.objects.create(
        kind=SHEET_KIND,
        key="dead-worker",
        status=ReportJob.Status.RUNNING,
        started_at=timezone.now() - STALLED_RUNNING_AFTER - timedelta(minutes=1),
    )

    assert fail_stalled_report_jobs.delay().get(timeout=TASK_TIMEOUT) == 1
    assert purge_report_jobs.delay().get(timeout=TASK_TIMEOUT) == {"superseded": 1, "expired": 0}

    dead.refresh_from_db()
    assert dead.status == ReportJob.Status.FAILED and dead.error_code == "stalled"
    assert not ReportJob.objects.filter(pk=old.pk).exists() and not old_path.exists()
    assert (Path(settings.MEDIA_ROOT) / new.file.name).exists()


def test_costing_snapshot_is_built_by_the_worker_after_changes(worker, settings):
    """Changes ask for a build (debounced: here with no delay), the worker computes it from the shared
    database, and a redelivered message does nothing."""
    from decimal import Decimal

    from budgets import costing
    from budgets.models import CostingRow, CostingSnapshot, CostingStatus
    from budgets.tasks import build_costing_snapshot
    from budgets.tests.factories import BudgetLineFactory, BudgetLineYearFactory
    from resources.capacity_plan import capacity_plan_changed
    from resources.tests.factories import AllocationFactory, ResourceFactory

    settings.PILOTIS_COSTING_DEBOUNCE_SECONDS = 0
    project = ProjectFactory(code="COST-W")
    BudgetLineYearFactory(line=BudgetLineFactory(project=project), planned=Decimal("1000.00"))
    AllocationFactory(
        project=project, resource=ResourceFactory(daily_cost=Decimal("480.01")), days=Decimal("0.5")
    )
    capacity_plan_changed(reason="allocations")  # what the workload services call after their writes

    def built():
        snapshot = CostingSnapshot.objects.filter(key="portfolio").first()
        return (
            snapshot
            if snapshot is not None
            and snapshot.status == CostingStatus.READY
            and snapshot.built_seq == snapshot.request_seq
            else None
        )

    snapshot = _wait_for(built, worker, "the costing snapshot")
    row = CostingRow.objects.get(snapshot=snapshot, project=project)
    live = costing.project_totals(costing.workload_cost())[project.pk]
    assert row.planned == Decimal("1000.00")
    assert row.planned_internal == live.planned_internal == Decimal("240.01")  # 240.005, half up
    built_at = snapshot.built_at

    assert build_costing_snapshot.delay(snapshot.pk).get(timeout=TASK_TIMEOUT) == "unchanged"
    snapshot.refresh_from_db()
    assert snapshot.built_at == built_at


class _NoTask:
    def delay(self, job_id):
        """Nothing to send: the test renders the job itself."""
