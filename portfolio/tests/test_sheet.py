"""The project sheet PDF: its content (read back with pdftotext) and its three views."""

import datetime
import shutil
import subprocess

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from portfolio import services
from portfolio.selectors import project_detail_get
from portfolio.sheet import (
    SHEET_KIND,
    css_string,
    page_css,
    project_sheet_pdf,
    project_sheet_render,
    schedule_chart_svg,
)
from portfolio.tasks import render_project_sheet
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, StrategicAxisFactory
from ppm.models import ReportJob
from ppm.reports import STALLED_RUNNING_AFTER, report_job_key, report_job_run
from ppm.tests.factories import DirectorateFactory

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed",
)


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def pdf_pages(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def project(pmo_user, manager_user):
    """A project created and moved through its lifecycle by the services (so it has history)."""
    axis = StrategicAxisFactory(code="AX-NUM", name="Digital administration")
    objective = ObjectiveFactory(axis=axis, code="OBJ-DEMAT", name="Paperless procedures")
    project = services.project_create(
        actor=pmo_user,
        code="GED-2025",
        name="Electronic document management",
        directorate=DirectorateFactory(code="DSI", name="Information systems"),
        description="A document management system for every directorate.",
        manager=manager_user,
        planned_start=datetime.date(2025, 3, 1),
        planned_end=datetime.date(2027, 6, 30),
        priority=2,
        objectives=[objective],
        tags=["paperless"],
    )
    project = services.project_transition(
        actor=pmo_user, project=project, action="start_framing", comment="Sponsor found"
    )
    return services.project_update(actor=pmo_user, project=project, data={"priority": 1})


def _sheet(project, user, language="en") -> bytes:
    with translation.override(language):
        return project_sheet_pdf(project_detail_get(user=user, pk=project.pk))


@needs_poppler
def test_sheet_shows_the_project_its_objectives_history_and_changes(project, pmo_user):
    data = _sheet(project, pmo_user)
    text = pdf_text(data)

    assert data.startswith(b"%PDF")
    assert pdf_pages(data) >= 1
    assert "GED-2025" in text
    assert "Electronic document management" in text
    assert "Information systems" in text
    assert "OBJ-DEMAT · Paperless procedures" in text
    assert "AX-NUM · Digital administration" in text
    assert "Demand → Framing" in text and "Sponsor found" in text
    assert "Priority: High → Critical" in text  # the audited change
    assert "paperless" in text
    assert "Page 1 of" in text  # the @page footer
    assert "Pilotis · GED-2025 · Electronic document management" in text  # the @page header


@needs_poppler
def test_sheet_renders_text_that_looks_like_markup_or_css_as_text(pmo_user):
    project = ProjectFactory(code="X-1", name='Evil "}; body { display: none } </style><b>bold</b>')
    text = pdf_text(_sheet(project, pmo_user))
    assert text.count('Evil "}; body { display: none } </style><b>bold</b>') >= 2  # header and title


def test_css_string_cannot_close_the_string_or_the_style_element():
    value = css_string('a"b\\c</style>\n')
    assert value.startswith('"') and value.endswith('"')
    inner = value[1:-1]
    assert '"' not in inner and "<" not in inner and "\n" not in inner
    assert "\\22 " in inner and "\\3c " in inner


def test_page_footer_uses_the_translated_page_counter(project):
    css = page_css(project=project, generated_at=timezone.now())
    assert 'counter(page) " of " counter(pages)' in css
    assert "@top-left" in css and "GED-2025" in css


@needs_poppler
def test_sheet_in_french_uses_french_formats(project, pmo_user):
    text = pdf_text(_sheet(project, pmo_user, language="fr"))
    assert "01/03/2025" in text  # French short dates (dd/mm/yyyy), as DOMAIN.md asks
    with translation.override("fr"):
        # Whatever the French catalog says (the labels are translated later), the sheet uses it.
        assert gettext("Lifecycle history") in text
        assert gettext("Contributing objectives") in text


@translation.override("en")
def test_chart_draws_the_plan_today_and_the_status_steps(project):
    svg = schedule_chart_svg(
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        status_changes=project.status_changes.all(),
        today=datetime.date(2026, 1, 15),
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "Today" in svg and "Planned" in svg
    assert "03/01/2025 – 06/30/2027" in svg
    assert "Framing" in svg  # legend of the statuses shown
    assert svg.count('fill="#1d4ed8"') == 1  # one planned bar


@needs_poppler
def test_sheet_of_a_bare_project_renders(pmo_user):
    """No dates, no manager, no objective, no history: the sheet says so instead of failing."""
    project = ProjectFactory(code="BARE-1", planned_start=None, planned_end=None, description="")
    svg = schedule_chart_svg(
        planned_start=None, planned_end=None, status_changes=[], today=timezone.localdate()
    )
    assert "No planned dates" in svg

    text = pdf_text(_sheet(project, pmo_user))
    assert "BARE-1" in text
    assert "Not assigned" in text and "Not planned" in text
    assert "not linked to any strategic objective" in text
    assert "No status change recorded." in text


def test_render_of_a_deleted_project_fails_with_a_clear_message(project, pmo_user):
    job = ReportJob.objects.create(kind=SHEET_KIND, key="k", object_id="999999", object_version=1)
    report_job_run(job_id=job.pk, render=project_sheet_render)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert job.error == "The project no longer exists."


# --- views --------------------------------------------------------------------------------------


def urls(project):
    return {
        name: reverse(f"portfolio:project_sheet_{name}", args=[project.pk])
        for name in ("request", "status", "download")
    }


HTMX = {"HX-Request": "true"}


def test_anonymous_users_are_sent_to_the_login_page(client, project):
    for url in urls(project).values():
        response = client.post(url) if url.endswith("/sheet/") else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_request_refuses_get(client, reader_user, project):
    client.force_login(reader_user)
    assert client.get(urls(project)["request"]).status_code == 405
    assert not ReportJob.objects.exists()


def test_request_needs_a_csrf_token(reader_user, project):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(reader_user)
    assert csrf_client.post(urls(project)["request"], headers=HTMX).status_code == 403
    assert not ReportJob.objects.exists()


def test_unknown_project_is_404(client, reader_user):
    client.force_login(reader_user)
    for name in ("request", "status", "download"):
        url = reverse(f"portfolio:project_sheet_{name}", args=[999999])
        response = client.post(url) if name == "request" else client.get(url)
        assert response.status_code == 404


def test_fragment_before_any_request_offers_to_generate(client, reader_user, project):
    client.force_login(reader_user)
    response = client.get(urls(project)["status"])
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-sheet-status="none"' in html
    assert f'hx-post="{urls(project)["request"]}"' in html
    assert "Generate project sheet (PDF)" in html
    assert "csrfmiddlewaretoken" in html
    assert "no-cache" in response["Cache-Control"]


def test_any_reader_can_request_the_sheet_once(
    client, reader_user, project, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(render_project_sheet, "delay", lambda job_id: sent.append(job_id))
    client.force_login(reader_user)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(urls(project)["request"], headers=HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(urls(project)["request"], headers=HTMX)

    job = ReportJob.objects.get()
    assert sent == [job.pk]
    assert job.kind == SHEET_KIND
    # The key is kind + object + version + a hash of the params (the language among them).
    assert job.key == report_job_key(
        kind=SHEET_KIND, instance=project, version=project.version, language="en"
    )
    assert job.key.startswith(f"{SHEET_KIND}:portfolio.project:{project.pk}:v{project.version}:")
    assert job.params == {"language": "en"}
    assert job.requested_by == reader_user
    for response in (first, second):
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-sheet-status="pending"' in html
        assert f'hx-get="{urls(project)["status"]}"' in html
        assert 'hx-trigger="load delay:2s"' in html and 'hx-swap="outerHTML"' in html


def test_request_without_htmx_redirects_to_the_project(client, reader_user, project, monkeypatch):
    monkeypatch.setattr(render_project_sheet, "delay", lambda job_id: None)
    client.force_login(reader_user)
    response = client.post(urls(project)["request"])
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:project_detail", args=[project.pk])


def test_request_in_french_queues_a_french_sheet(client, reader_user, project, monkeypatch):
    monkeypatch.setattr(render_project_sheet, "delay", lambda job_id: None)
    client.force_login(reader_user)
    client.post(urls(project)["request"], headers={**HTMX, "Accept-Language": "fr"})
    assert ReportJob.objects.get().language == "fr"


def _ready_job(project, user, language="en"):
    job = ReportJob.objects.create(
        kind=SHEET_KIND,
        key=f"{SHEET_KIND}:portfolio.project:{project.pk}:v{project.version}:{language}",
        content_type=ContentType.objects.get_for_model(project),
        object_id=str(project.pk),
        object_version=project.version,
        language=language,
        requested_by=user,
    )
    with translation.override(language):
        report_job_run(job_id=job.pk, render=project_sheet_render)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY
    return job


def test_download_is_404_until_a_sheet_is_ready(client, reader_user, project):
    client.force_login(reader_user)
    assert client.get(urls(project)["download"]).status_code == 404
    for status in (ReportJob.Status.PENDING, ReportJob.Status.RUNNING, ReportJob.Status.FAILED):
        ReportJob.objects.create(
            kind=SHEET_KIND,
            key=f"k-{status}",
            content_type=ContentType.objects.get_for_model(project),
            object_id=str(project.pk),
            object_version=project.version,
            language="en",
            status=status,
        )
    assert client.get(urls(project)["download"]).status_code == 404


@needs_poppler
def test_ready_sheet_is_linked_and_downloadable(client, reader_user, pmo_user, project):
    job = _ready_job(project, pmo_user)
    client.force_login(reader_user)

    html = client.get(urls(project)["status"]).content.decode()
    assert 'data-sheet-status="ready"' in html
    assert f'href="{urls(project)["download"]}"' in html
    assert "generated on" in html
    assert "hx-trigger" not in html  # no more polling
    assert "Out of date" not in html

    response = client.get(urls(project)["download"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    data = b"".join(response.streaming_content)
    assert "Electronic document management" in pdf_text(data)


def test_sheet_of_an_older_version_is_offered_as_out_of_date(client, reader_user, pmo_user, project):
    _ready_job(project, pmo_user)
    services.project_update(actor=pmo_user, project=project, data={"name": "Renamed"})
    client.force_login(reader_user)

    html = client.get(urls(project)["status"]).content.decode()
    assert "Out of date" in html
    assert "Download the previous project sheet (PDF)" in html
    assert "Generate an up-to-date sheet" in html
    assert client.get(urls(project)["download"]).status_code == 200


def test_failed_sheet_shows_the_reason_and_a_retry(client, reader_user, project, monkeypatch):
    ReportJob.objects.create(
        kind=SHEET_KIND,
        key="k-failed",
        content_type=ContentType.objects.get_for_model(project),
        object_id=str(project.pk),
        object_version=project.version,
        language="en",
        status=ReportJob.Status.FAILED,
        error="The file took too long to generate.",
    )
    client.force_login(reader_user)
    html = client.get(urls(project)["status"]).content.decode()
    assert 'data-sheet-status="failed"' in html
    assert "The file took too long to generate." in html
    assert "Try again" in html and f'hx-post="{urls(project)["request"]}"' in html


def test_stalled_sheet_offers_a_retry_instead_of_polling(client, reader_user, project):
    ReportJob.objects.create(
        kind=SHEET_KIND,
        key="k-stalled",
        content_type=ContentType.objects.get_for_model(project),
        object_id=str(project.pk),
        object_version=project.version,
        language="en",
        status=ReportJob.Status.RUNNING,
        started_at=timezone.now() - STALLED_RUNNING_AFTER - datetime.timedelta(minutes=1),
    )
    client.force_login(reader_user)
    html = client.get(urls(project)["status"]).content.decode()
    assert 'data-sheet-status="stalled"' in html
    assert "hx-trigger" not in html
    assert "Try again" in html


def test_status_fragment_query_count_does_not_grow_with_jobs(client, reader_user, project):
    client.force_login(reader_user)
    url = urls(project)["status"]
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    few = count()
    for version in range(1, 30):
        ReportJob.objects.create(
            kind=SHEET_KIND,
            key=f"old-{version}",
            content_type=ContentType.objects.get_for_model(project),
            object_id=str(project.pk),
            object_version=version,
            language="en",
            status=ReportJob.Status.FAILED,
        )
    assert count() == few <= 10


def test_stalled_sheet_is_marked_failed_with_its_reason(client, reader_user, project):
    """Before: a sheet whose worker died showed "being generated…" until someone asked again."""
    job = ReportJob.objects.create(
        kind=SHEET_KIND,
        key="k-stalled-reason",
        content_type=ContentType.objects.get_for_model(project),
        object_id=project.pk,
        object_version=project.version,
        language="en",
        status=ReportJob.Status.RUNNING,
        started_at=timezone.now() - STALLED_RUNNING_AFTER - datetime.timedelta(minutes=1),
    )
    client.force_login(reader_user)
    html = client.get(urls(project)["status"]).content.decode()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and job.error_code == "stalled"
    assert job.error in html and "stopped responding" in job.error
    # Asking again requeues it.
    assert "Try again" in html


def test_sheet_file_name_is_not_guessable(pmo_user, project):
    job = _ready_job(project, pmo_user)
    other = _ready_job(
        services.project_update(actor=pmo_user, project=project, data={"priority": 2}), pmo_user
    )
    assert job.file.name.startswith(f"reports/{SHEET_KIND}/{job.token}/")
    assert job.token != other.token and len(job.token) >= 32
    assert project.code not in job.file.name.rsplit("/", 2)[1]
