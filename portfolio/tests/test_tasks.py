"""The report-job pattern (ppm.reports) and the portfolio's Celery tasks, run in-process.

The same code under a real worker and broker is tested in tests/test_worker.py.
"""

import datetime
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from django.utils import timezone

from portfolio.models import PortfolioSnapshot
from portfolio.rules import ProjectStatus
from portfolio.tasks import render_project_sheet, take_portfolio_snapshot
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm import reports
from ppm.models import ReportJob
from ppm.reports import (
    MAX_ATTEMPTS,
    ReportError,
    report_job_key,
    report_job_latest,
    report_job_request,
    report_job_run,
    report_params_hash,
    report_storage_name,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class RecordingTask:
    """Stands in for a Celery task on the producer side: records what would be sent."""

    def __init__(self, fail: bool = False):
        self.sent: list[int] = []
        self.fail = fail

    def delay(self, job_id: int) -> None:
        if self.fail:
            raise ConnectionRefusedError("broker down")
        self.sent.append(job_id)


class CountingRender:
    def __init__(self, content: bytes = b"%PDF-1.7 fake", error: BaseException | None = None):
        self.calls = 0
        self.content = content
        self.error = error

    def __call__(self, job: ReportJob) -> tuple[str, bytes]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return "sheet.pdf", self.content


@pytest.fixture
def project(db):
    return ProjectFactory(code="GED-1", name="Document management")


def _request(project, user, task, *, version=None, language="en"):
    return report_job_request(
        kind="test_report",
        instance=project,
        version=project.version if version is None else version,
        requested_by=user,
        task=task,
        language=language,
    )


def test_key_names_kind_model_object_version_and_a_hash_of_the_params(project):
    key = report_job_key(kind="sheet", instance=project, version=3)
    assert key == f"sheet:portfolio.project:{project.pk}:v3:{report_params_hash({})}"
    french = report_job_key(kind="sheet", instance=project, version=3, language="fr")
    assert french == report_job_key(kind="sheet", params={"language": "fr"}, instance=project, version=3)
    assert french.startswith(f"sheet:portfolio.project:{project.pk}:v3:") and french != key
    # Equal params, equal key, whatever their order; no object: kind + hash only.
    assert report_job_key(kind="export", params={"a": 1, "b": [2]}) == report_job_key(
        kind="export", params={"b": [2], "a": 1}
    )
    assert report_job_key(kind="export", params={"a": 1}) == f"export:{report_params_hash({'a': 1})}"


def test_asking_twice_returns_the_same_job_and_enqueues_once(
    project, pmo_user, reader_user, django_capture_on_commit_callbacks
):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(project, pmo_user, task)
    with django_capture_on_commit_callbacks(execute=True):
        second = _request(project, reader_user, task)

    assert second.pk == first.pk
    assert task.sent == [first.pk]
    assert ReportJob.objects.count() == 1
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.PENDING
    assert job.requested_by == pmo_user
    assert job.object_version == project.version
    assert job.content_type == ContentType.objects.get_for_model(project)
    assert job.object_id == project.pk


def test_task_is_sent_only_after_commit(project, pmo_user, django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = _request(project, pmo_user, task)
        assert task.sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert task.sent == [job.pk]


def test_a_new_version_or_another_language_is_another_job(
    project, pmo_user, django_capture_on_commit_callbacks
):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        v1 = _request(project, pmo_user, task, version=1)
        v2 = _request(project, pmo_user, task, version=2)
        fr = _request(project, pmo_user, task, version=2, language="fr")
    assert len({v1.pk, v2.pk, fr.pk}) == 3
    assert task.sent == [v1.pk, v2.pk, fr.pk]
    assert report_job_latest(kind="test_report", instance=project, language="en") == v2
    assert report_job_latest(kind="test_report", instance=project, language="fr") == fr
    assert report_job_latest(kind="other", instance=project) is None


def test_run_renders_once_and_stores_under_a_deterministic_name(project, pmo_user, _media):
    job = _request(project, pmo_user, RecordingTask())
    render = CountingRender(b"%PDF-1.7 first")

    report_job_run(job_id=job.pk, render=render)

    job.refresh_from_db()
    assert render.calls == 1
    assert job.status == ReportJob.Status.READY
    assert job.attempts == 1
    assert job.started_at is not None and job.finished_at is not None
    assert job.filename == "sheet.pdf"
    assert job.file.name == f"reports/{report_storage_name(job, 'sheet.pdf')}"
    assert ":" not in job.file.name
    assert (Path(_media) / job.file.name).read_bytes() == b"%PDF-1.7 first"


def test_run_of_a_ready_job_is_a_no_op(project, pmo_user, _media):
    job = _request(project, pmo_user, RecordingTask())
    report_job_run(job_id=job.pk, render=CountingRender(b"%PDF first"))
    job.refresh_from_db()
    finished_at = job.finished_at

    again = CountingRender(b"%PDF second")
    report_job_run(job_id=job.pk, render=again)  # a redelivered message

    job.refresh_from_db()
    assert again.calls == 0
    assert job.attempts == 1
    assert job.finished_at == finished_at
    assert (Path(_media) / job.file.name).read_bytes() == b"%PDF first"


def test_rerun_after_a_crash_overwrites_the_same_file(project, pmo_user, _media):
    """Killed after writing the file but before marking READY: the redelivery completes it once."""
    job = _request(project, pmo_user, RecordingTask())
    name = f"reports/{report_storage_name(job, 'sheet.pdf')}"
    leftover = Path(_media) / name
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"%PDF half-done")
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.RUNNING, attempts=1, started_at=timezone.now()
    )

    report_job_run(job_id=job.pk, render=CountingRender(b"%PDF complete"))

    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY
    assert job.attempts == 2
    assert job.file.name == name
    assert [p.name for p in leftover.parent.iterdir()] == [leftover.name]
    assert leftover.read_bytes() == b"%PDF complete"


def test_failure_marks_the_job_failed_with_a_readable_message(project, pmo_user, caplog):
    job = _request(project, pmo_user, RecordingTask())

    report_job_run(job_id=job.pk, render=CountingRender(error=ValueError("/srv/secret/path exploded")))

    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert "ValueError" in job.error
    assert "Traceback" not in job.error and "/srv/secret" not in job.error
    assert not job.file
    assert "Traceback" in caplog.text  # the details are in the log


def test_a_report_error_is_shown_as_it_is(project, pmo_user):
    job = _request(project, pmo_user, RecordingTask())
    report_job_run(job_id=job.pk, render=CountingRender(error=ReportError("The project no longer exists.")))
    job.refresh_from_db()
    assert job.error == "The project no longer exists."


def test_asking_again_after_a_failure_retries(project, pmo_user, django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(project, pmo_user, task)
    report_job_run(job_id=job.pk, render=CountingRender(error=RuntimeError("boom")))

    with django_capture_on_commit_callbacks(execute=True):
        retried = _request(project, pmo_user, task)

    assert retried.pk == job.pk
    assert task.sent == [job.pk, job.pk]
    retried.refresh_from_db()
    assert retried.status == ReportJob.Status.PENDING
    assert retried.error == "" and retried.attempts == 0
    report_job_run(job_id=job.pk, render=CountingRender())
    retried.refresh_from_db()
    assert retried.status == ReportJob.Status.READY


def test_transient_errors_are_reraised_for_celery_to_retry(project, pmo_user):
    job = _request(project, pmo_user, RecordingTask())

    with pytest.raises(OperationalError):
        report_job_run(job_id=job.pk, render=CountingRender(error=OperationalError("locked")), can_retry=True)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.PENDING  # waiting for the retry, not "failed"

    with pytest.raises(OperationalError):
        report_job_run(
            job_id=job.pk, render=CountingRender(error=OperationalError("locked")), can_retry=False
        )
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert job.attempts == 2


def test_runs_are_bounded(project, pmo_user):
    job = _request(project, pmo_user, RecordingTask())
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, attempts=MAX_ATTEMPTS)
    render = CountingRender()

    report_job_run(job_id=job.pk, render=render)

    job.refresh_from_db()
    assert render.calls == 0
    assert job.status == ReportJob.Status.FAILED
    assert str(MAX_ATTEMPTS) in job.error


def test_a_stalled_job_is_queued_again_on_request(project, pmo_user, django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(project, pmo_user, task)
    long_ago = timezone.now() - reports.STALLED_RUNNING_AFTER - datetime.timedelta(minutes=1)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.RUNNING, started_at=long_ago, attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        _request(project, pmo_user, task)

    assert task.sent == [job.pk, job.pk]
    job.refresh_from_db()
    assert job.status == ReportJob.Status.PENDING


def test_a_running_job_is_not_queued_twice(project, pmo_user, django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(project, pmo_user, task)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        _request(project, pmo_user, task)
    assert task.sent == [job.pk]


def test_broker_down_fails_the_job_with_a_message(project, pmo_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(project, pmo_user, RecordingTask(fail=True))
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert "queue is unavailable" in job.error


def test_render_project_sheet_task_renders_the_pdf(
    project, pmo_user, _media, django_capture_on_commit_callbacks
):
    job = report_job_request(
        kind="project_sheet",
        instance=project,
        version=project.version,
        requested_by=pmo_user,
        task=RecordingTask(),
        language="en",
    )

    result = render_project_sheet.apply(args=[job.pk])

    assert result.successful()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY
    assert job.filename == "project-sheet-GED-1.pdf"
    assert (Path(_media) / job.file.name).read_bytes().startswith(b"%PDF")


def test_render_project_sheet_task_is_safe_to_redeliver():
    assert render_project_sheet.acks_late is True
    assert render_project_sheet.reject_on_worker_lost is True
    assert render_project_sheet.soft_time_limit < render_project_sheet.time_limit
    assert OperationalError in render_project_sheet.autoretry_for
    assert render_project_sheet.max_retries == 3


def test_snapshot_task_counts_the_portfolio_once_per_day(db):
    objective = ObjectiveFactory(code="OBJ-A")
    ProjectFactory(status=ProjectStatus.IN_PROGRESS, objectives=[objective])
    ProjectFactory(status=ProjectStatus.DEMAND)

    assert take_portfolio_snapshot.apply().get() == timezone.localdate().isoformat()
    ProjectFactory(status=ProjectStatus.IN_PROGRESS)
    take_portfolio_snapshot.apply()

    snapshot = PortfolioSnapshot.objects.get()
    assert snapshot.day == timezone.localdate()
    assert snapshot.total == 3
    assert snapshot.by_status[ProjectStatus.IN_PROGRESS] == 2
    assert snapshot.by_objective == {"OBJ-A": 1}


@pytest.mark.parametrize("task_name", ["render_project_sheet", "take_portfolio_snapshot"])
def test_tasks_are_declared_reliable(task_name):
    from portfolio import tasks

    task = getattr(tasks, task_name)
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert 0 < task.soft_time_limit < task.time_limit
    assert task.max_retries == 3
