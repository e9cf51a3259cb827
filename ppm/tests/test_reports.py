"""The generic long-job machinery of the core (ppm.reports, ppm.report_views, ppm.tasks).

These tests declare their own kind ("test_report", on a Directorate as its object) and import
nothing from the domain apps. The same code under a real worker is in tests/test_worker.py.
"""

import datetime
import importlib
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

import ppm.urls
from ppm import reports
from ppm.models import ReportJob
from ppm.reports import (
    RELIABLE_TASK_OPTIONS,
    STALLED_PENDING_AFTER,
    STALLED_RUNNING_AFTER,
    JobRequest,
    ReportKind,
    report_job_fail_if_stalled,
    report_job_request,
    report_job_run,
    report_jobs_fail_stalled,
    report_jobs_purge,
    report_kind_register,
)
from ppm.tasks import fail_stalled_report_jobs, purge_report_jobs, run_report_job
from ppm.tests.factories import DirectorateFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = "test_report"
HTMX = {"HX-Request": "true"}


class RecordingTask:
    """Stands in for a Celery task on the producer side: records what would be sent."""

    def __init__(self):
        self.sent: list[int] = []

    def delay(self, job_id: int) -> None:
        self.sent.append(job_id)


def render(job: ReportJob) -> tuple[str, bytes]:
    job.set_progress(50, "half way")
    return f"report-{job.params.get('colour', 'none')}.txt", f"colour={job.params.get('colour')}".encode()


def prepare(request) -> JobRequest:
    directorate = DirectorateFactory._meta.model.objects.get(pk=request.POST["object"])
    return JobRequest(params={"colour": request.POST.get("colour", "")}, instance=directorate, version=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def task(monkeypatch):
    recording = RecordingTask()
    kind = ReportKind(name=KIND, task=recording, prepare=prepare, render=render, label="Test report")
    monkeypatch.setitem(reports._KINDS, KIND, kind)
    return recording


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def directorate(db):
    return DirectorateFactory(code="DSI", name="Information systems")


def _ready_job(owner, directorate, colour="blue", version=1) -> ReportJob:
    job = report_job_request(
        kind=KIND, params={"colour": colour}, instance=directorate, version=version, requested_by=owner
    )
    report_job_run(job_id=job.pk, render=render)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY
    return job


# --- keys, params, registry -------------------------------------------------------------------


def test_request_stores_params_and_keys_by_their_hash(task, owner, directorate):
    blue = report_job_request(
        kind=KIND,
        params={"colour": "blue"},
        instance=directorate,
        version=2,
        requested_by=owner,
        language="fr",
    )
    again = report_job_request(
        kind=KIND,
        params={"colour": "blue"},
        instance=directorate,
        version=2,
        requested_by=owner,
        language="fr",
    )
    red = report_job_request(
        kind=KIND, params={"colour": "red"}, instance=directorate, version=2, requested_by=owner
    )

    assert again.pk == blue.pk and red.pk != blue.pk
    assert blue.params == {"colour": "blue", "language": "fr"}
    assert blue.language == "fr"
    assert blue.object_id == directorate.pk  # an integer
    assert blue.params_hash == reports.report_params_hash({"colour": "blue", "language": "fr"})
    assert blue.key == f"{KIND}:ppm.directorate:{directorate.pk}:v2:{blue.params_hash}"


def test_a_job_without_object_is_keyed_by_kind_and_params(task, owner):
    job = report_job_request(kind=KIND, params={"year": 2026}, requested_by=owner)
    assert job.content_type is None and job.object_id is None and job.object_version is None
    assert job.key == f"{KIND}:{reports.report_params_hash({'year': 2026})}"


def test_params_must_be_json(task, owner):
    with pytest.raises(TypeError):
        report_job_request(kind=KIND, params={"when": datetime.date(2026, 1, 1)}, requested_by=owner)
    assert not ReportJob.objects.exists()


def test_the_task_comes_from_the_registered_kind(task, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = report_job_request(kind=KIND, params={}, requested_by=owner)
    assert task.sent == [job.pk]


def test_a_kind_is_declared_once(task):
    with pytest.raises(Exception, match="declared twice"):
        report_kind_register(ReportKind(name=KIND, task=RecordingTask()))
    with pytest.raises(Exception, match="a-z0-9_"):
        report_kind_register(ReportKind(name="Bad name", task=RecordingTask()))


def test_the_generic_task_runs_the_kind_render(task, owner, directorate, _media):
    job = report_job_request(kind=KIND, params={"colour": "green"}, instance=directorate, version=1)
    assert run_report_job.apply(args=[job.pk]).successful()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY
    assert (Path(_media) / job.file.name).read_bytes() == b"colour=green"
    assert job.progress == 100
    assert [line["message"] for line in job.log] == ["attempt 1 started", "half way", "ready"]


# --- files: unguessable names ----------------------------------------------------------------


def test_files_are_stored_under_the_job_random_token(task, owner, directorate):
    first = _ready_job(owner, directorate, colour="blue")
    second = _ready_job(owner, directorate, colour="red")
    assert first.file.name == f"reports/{KIND}/{first.token}/report-blue.txt"
    assert len(first.token) >= 32 and first.token != second.token
    assert "directorate" not in first.file.name  # nothing derived from the key or the object


def test_storage_name_ignores_paths_and_odd_characters_in_the_file_name(task, owner):
    job = report_job_request(kind=KIND, params={}, requested_by=owner)
    name = reports.report_storage_name(job, "../../etc/pass wd:é.PDF")
    assert name == f"{KIND}/{job.token}/pass-wd.pdf"


# --- progress ----------------------------------------------------------------------------------


def test_progress_outside_a_transaction_is_written_at_once(task, owner):
    job = report_job_request(kind=KIND, params={}, requested_by=owner)
    job.set_progress(140, "more than done")
    stored = ReportJob.objects.get(pk=job.pk)
    assert stored.progress == 100
    assert stored.log[-1]["message"] == "more than done"


def test_the_log_is_bounded(task, owner):
    job = report_job_request(kind=KIND, params={}, requested_by=owner)
    for number in range(ReportJob.LOG_MAX_LINES + 10):
        job.set_progress(1, f"line {number}")
    log = ReportJob.objects.get(pk=job.pk).log
    assert len(log) == ReportJob.LOG_MAX_LINES
    assert log[-1]["message"] == f"line {ReportJob.LOG_MAX_LINES + 9}"


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_is_visible_before_it_commits(task, owner):
    """On PostgreSQL through a second connection; SQLite (one writer) records it at the commit."""
    job = report_job_request(kind=KIND, params={}, requested_by=owner)
    from django.db import connections

    with transaction.atomic():
        job.set_progress(40, "writing rows")
        if connection.vendor == "postgresql":
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT progress FROM ppm_reportjob WHERE id = %s", [job.pk])
                    assert cursor.fetchone()[0] == 40
            finally:
                other.close()
    assert ReportJob.objects.get(pk=job.pk).progress == 40


# --- stalled jobs ------------------------------------------------------------------------------


def test_stalled_delay_derives_from_the_one_set_of_time_limits(settings):
    assert RELIABLE_TASK_OPTIONS["time_limit"] == settings.CELERY_TASK_TIME_LIMIT
    assert RELIABLE_TASK_OPTIONS["soft_time_limit"] == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) < STALLED_RUNNING_AFTER
    assert STALLED_RUNNING_AFTER <= datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    for task in (run_report_job, fail_stalled_report_jobs, purge_report_jobs):
        assert task.time_limit == settings.CELERY_TASK_TIME_LIMIT
        assert task.soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT


def _stalled_running(owner, **extra) -> ReportJob:
    job = report_job_request(kind=KIND, params=extra, requested_by=owner)
    long_ago = timezone.now() - STALLED_RUNNING_AFTER - datetime.timedelta(seconds=5)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.RUNNING, started_at=long_ago, attempts=1
    )
    job.refresh_from_db()
    return job


def test_a_stalled_running_job_is_failed_with_a_clear_reason(task, owner):
    job = _stalled_running(owner)
    assert report_job_fail_if_stalled(job) is True
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert job.error_code == "stalled"
    assert "stopped responding" in job.error and "try again" in job.error
    assert job.finished_at is not None


def test_a_job_restarted_meanwhile_is_not_failed(task, owner):
    job = _stalled_running(owner)
    ReportJob.objects.filter(pk=job.pk).update(started_at=timezone.now())  # a redelivery started it again
    assert report_job_fail_if_stalled(job) is False
    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING


def test_the_periodic_sweep_fails_stalled_jobs_only(task, owner):
    running = _stalled_running(owner, n=1)
    pending = report_job_request(kind=KIND, params={"n": 2}, requested_by=owner)
    ReportJob.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - STALLED_PENDING_AFTER - datetime.timedelta(minutes=1)
    )
    fresh = report_job_request(kind=KIND, params={"n": 3}, requested_by=owner)
    busy = report_job_request(kind=KIND, params={"n": 4}, requested_by=owner)
    ReportJob.objects.filter(pk=busy.pk).update(status=ReportJob.Status.RUNNING, started_at=timezone.now())

    assert fail_stalled_report_jobs.apply().get() == 2
    statuses = dict(ReportJob.objects.values_list("pk", "status"))
    assert statuses[running.pk] == statuses[pending.pk] == ReportJob.Status.FAILED
    assert statuses[fresh.pk] == ReportJob.Status.PENDING
    assert statuses[busy.pk] == ReportJob.Status.RUNNING
    assert "No worker picked up" in ReportJob.objects.get(pk=pending.pk).error
    assert report_jobs_fail_stalled() == 0


def test_the_poll_view_fails_a_stalled_job_instead_of_polling(client, task, owner):
    job = _stalled_running(owner)
    client.force_login(owner)
    response = client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-job-status="stalled"' in html
    assert "hx-trigger" not in html
    assert "stopped responding" in html
    assert ReportJob.objects.get(pk=job.pk).status == ReportJob.Status.FAILED


def test_housekeeping_is_scheduled_in_celery_beat():
    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks.get("ppm.tasks.purge_report_jobs") is True
    assert tasks.get("ppm.tasks.fail_stalled_report_jobs") is True
    purge = PeriodicTask.objects.get(task="ppm.tasks.purge_report_jobs")
    assert purge.crontab is not None and purge.crontab.hour == "3"  # daily
    sweep = PeriodicTask.objects.get(task="ppm.tasks.fail_stalled_report_jobs")
    assert sweep.interval is not None and sweep.interval.every == 10


# --- retention ---------------------------------------------------------------------------------


def test_retention_deletes_superseded_versions_with_their_files(task, owner, directorate, _media):
    v1 = _ready_job(owner, directorate, colour="blue", version=1)
    v2 = _ready_job(owner, directorate, colour="blue", version=2)
    other_params = _ready_job(owner, directorate, colour="red", version=1)  # another output
    v3_pending = report_job_request(
        kind=KIND, params={"colour": "blue"}, instance=directorate, version=3, requested_by=owner
    )
    v1_file = Path(_media) / v1.file.name

    counts = purge_report_jobs.apply().get()

    assert counts == {"superseded": 1, "expired": 0}
    assert not ReportJob.objects.filter(pk=v1.pk).exists()
    assert not v1_file.exists() and not v1_file.parent.exists()
    remaining = set(ReportJob.objects.values_list("pk", flat=True))
    assert remaining == {v2.pk, other_params.pk, v3_pending.pk}
    assert (Path(_media) / v2.file.name).exists()


def test_retention_deletes_jobs_past_the_configured_age(task, owner, directorate, settings, _media):
    settings.PILOTIS_REPORT_RETENTION_DAYS = 7
    old = _ready_job(owner, directorate, colour="old")
    recent = _ready_job(owner, directorate, colour="recent")
    ReportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    old_file = Path(_media) / old.file.name

    assert report_jobs_purge() == {"superseded": 0, "expired": 1}
    assert list(ReportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not old_file.exists()
    assert report_jobs_purge(retention_days=0) == {"superseded": 0, "expired": 1}


# --- the generic views -------------------------------------------------------------------------


def test_request_view_queues_once_and_answers_the_polling_fragment(
    client, task, owner, directorate, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    url = reverse("report_job_request", args=[KIND])
    data = {"object": directorate.pk, "colour": "blue"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data, headers=HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, data, headers=HTMX)

    job = ReportJob.objects.get()
    assert task.sent == [job.pk]
    assert job.params == {"colour": "blue", "language": "en"} and job.object_id == directorate.pk
    for response in (first, second):
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-job-status="pending"' in html
        assert f'hx-get="{reverse("report_job_status", args=[job.pk])}"' in html
        assert 'hx-trigger="every 2s"' in html and 'hx-swap="outerHTML"' in html
        assert "<progress" in html


def test_request_view_without_htmx_redirects_to_next_on_this_site_only(client, task, owner, directorate):
    client.force_login(owner)
    url = reverse("report_job_request", args=[KIND])
    response = client.post(url, {"object": directorate.pk, "next": "/projects/"})
    assert response["Location"] == "/projects/"
    response = client.post(url, {"object": directorate.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("report_job_status", args=[ReportJob.objects.get().pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Test report" in page.content.decode()


def test_request_view_refuses_get_unknown_kinds_and_anonymous_users(client, task, owner):
    url = reverse("report_job_request", args=[KIND])
    assert client.post(url)["Location"].startswith(reverse("login"))
    client.force_login(owner)
    assert client.get(url).status_code == 405
    assert client.post(reverse("report_job_request", args=["no_such_kind"])).status_code == 404
    assert not ReportJob.objects.exists()


def test_running_job_shows_its_progress(client, task, owner):
    job = report_job_request(kind=KIND, params={}, requested_by=owner)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, started_at=timezone.now())
    ReportJob.objects.get(pk=job.pk).set_progress(42, "page 3 of 7")
    client.force_login(owner)
    html = client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX).content.decode()
    assert 'data-job-status="running"' in html and 'hx-trigger="every 2s"' in html
    assert 'value="42"' in html and "page 3 of 7" in html


def test_ready_job_links_its_download_and_stops_polling(client, task, owner, directorate):
    job = _ready_job(owner, directorate)
    client.force_login(owner)
    html = client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX).content.decode()
    assert 'data-job-status="ready"' in html
    assert f'href="{reverse("report_job_download", args=[job.pk])}"' in html
    assert "hx-trigger" not in html

    response = client.get(reverse("report_job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="report-blue.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == b"colour=blue"


def test_failed_job_shows_its_error(client, task, owner):
    job = report_job_request(kind=KIND, params={}, requested_by=owner)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.FAILED, error="The printer is on fire."
    )
    client.force_login(owner)
    html = client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX).content.decode()
    assert 'data-job-status="failed"' in html and "The printer is on fire." in html
    assert client.get(reverse("report_job_download", args=[job.pk])).status_code == 404


def test_another_user_can_neither_follow_nor_download_a_job(client, task, owner, stranger, directorate):
    job = _ready_job(owner, directorate)
    client.force_login(stranger)
    assert client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX).status_code == 404
    assert client.get(reverse("report_job_download", args=[job.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("report_job_download", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_generated_files_are_not_served_under_media_even_in_debug(client, task, owner, directorate, settings):
    """Before: DEBUG (`make run`) served MEDIA_ROOT at /media/ to anyone, without login."""
    job = _ready_job(owner, directorate)
    assert (Path(settings.MEDIA_ROOT) / job.file.name).exists()
    client.force_login(owner)
    try:
        with override_settings(DEBUG=True):
            importlib.reload(ppm.urls)
            clear_url_caches()
            response = client.get(f"{settings.MEDIA_URL}{job.file.name}")
            assert response.status_code == 404
            assert client.get(reverse("report_job_download", args=[job.pk])).status_code == 200
    finally:
        importlib.reload(ppm.urls)
        clear_url_caches()


def test_download_of_a_missing_file_is_404(client, task, owner, directorate, _media):
    job = _ready_job(owner, directorate)
    (Path(_media) / job.file.name).unlink()
    client.force_login(owner)
    assert client.get(reverse("report_job_download", args=[job.pk])).status_code == 404


def test_download_is_never_rendered_inline(task, owner):
    def html_render(job):
        return "page.html", b"<script>alert(1)</script>"

    job = report_job_request(kind=KIND, params={"x": 1}, requested_by=owner)
    report_job_run(job_id=job.pk, render=html_render)
    job.refresh_from_db()
    response = reports.report_job_file_response(job)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
