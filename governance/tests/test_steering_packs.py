"""Report packs: content read back from the PDF (pdftotext) and the XLSX (openpyxl), scope, the request
page and API, schedules written as django-celery-beat PeriodicTasks, the scheduled run e-mailing a link."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from governance.models import FlashReportItem, ItemKind, ProjectGovernance, ProjectOffice
from governance.packs import PDF_KIND, XLSX_KIND, PackScope, pack_pdf, pack_xlsx
from governance.steering_tasks import build_scheduled_pack
from governance.tests.test_steering_dashboard import in_progress, report
from ppm.models import ReportJob
from ppm.roles import Role
from ppm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pdf_text(content: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read packs back"
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )  # noqa: S603, S607
    return result.stdout.decode().split("\f")


@pytest.fixture
def portfolio():
    office = ProjectOffice.objects.create(code="EDU", name="Numérique éducatif")
    stormy = in_progress(code="PK-STORM", name="Collèges connectés")
    ProjectGovernance.objects.create(project=stormy, project_office=office)
    bad = report(
        stormy,
        weather="stormy",
        why="Supplier failed the acceptance tests.",
        decision="Terminate the contract.",
    )
    FlashReportItem.objects.create(report=bad, kind=ItemKind.RISK, text="Budget overrun", owner="DSI")
    bad.highlights = "Acceptance failed twice."
    bad.save()
    sunny = in_progress(code="PK-SUN", name="Archives numériques")
    report(sunny, weather="sunny")
    in_progress(code="PK-NONE", name="No report yet")
    return {"office": office}


def test_pdf_has_a_cover_summaries_and_one_page_per_project(portfolio):
    with translation.override("en"):
        content = pack_pdf(PackScope("all", None, TODAY, "All projects"))
    pages = pdf_text(content)
    pages = [page for page in pages if page.strip()]
    assert "Portfolio report pack" in pages[0] and "All projects" in pages[0]
    text = "\n".join(pages)
    assert "Weather map" in text and "What slipped" in text and "Portfolio summary" in text
    project_pages = [page for page in pages if page.lstrip().startswith(("PK-STORM · ", "PK-SUN · "))]
    assert len(project_pages) == 2
    stormy_page = next(page for page in project_pages if "PK-STORM" in page)
    assert "Stormy" in stormy_page
    assert "Supplier failed the acceptance tests." in stormy_page
    assert "Terminate the contract." in stormy_page and "Budget overrun" in stormy_page
    sunny_page = next(page for page in project_pages if "PK-SUN" in page)
    assert "Sunny" in sunny_page
    assert "PK-NONE" not in text.split("What slipped")[-1]  # no validated report: no page
    # PDF/UA-friendly: tagged, with the document's language.
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()  # noqa: S603, S607
    assert "Tagged:          yes" in info and "Title:           Portfolio report pack" in info


def test_pdf_in_french_and_scoped_to_a_project_office(portfolio):
    with translation.override("fr"):
        content = pack_pdf(PackScope("project_office", portfolio["office"].pk, TODAY, "Numérique éducatif"))
    text = "\n".join(pdf_text(content))
    assert "PK-STORM" in text and "PK-SUN" not in text


def test_xlsx_summary_weather_map_and_one_row_per_project(portfolio):
    from openpyxl import load_workbook

    with translation.override("en"):
        content = pack_xlsx(PackScope("all", None, TODAY, "All projects"))
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Summary", "Weather map", "Projects"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Stormy"] == 1 and summary["Sunny"] == 1
    weather = list(book["Weather map"].iter_rows(values_only=True))
    assert weather[1][0] == "PK-STORM" and weather[1][3] == "Stormy"
    projects = list(book["Projects"].iter_rows(values_only=True))
    assert sorted(row[0] for row in projects[1:]) == ["PK-STORM", "PK-SUN"]
    storm = next(row for row in projects if row[0] == "PK-STORM")
    assert "Terminate the contract." in storm[-1]


def test_request_page_queues_once_and_lists_the_archive(client):
    committee = UserFactory(role=Role.COMMITTEE_MEMBER)
    client.force_login(committee)
    data = {"scope": "all", "as_of": TODAY.isoformat(), "fmt": "xlsx"}
    assert client.post(reverse("governance:pack_list"), data).status_code == 302
    assert client.post(reverse("governance:pack_list"), data).status_code == 302
    assert ReportJob.objects.filter(kind=XLSX_KIND).count() == 1
    bad = client.post(reverse("governance:pack_list"), {**data, "scope": "directorate"})
    assert bad.status_code == 400
    page = client.get(reverse("governance:pack_list")).content.decode()
    assert "All projects" in page


def test_api_request_answers_202_with_the_job_and_lists_it():
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.PROJECT_OFFICE))
    response = client.post("/api/v1/packs/", {"scope": "all", "format": "pdf"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == PDF_KIND and body["status"] == "pending" and body["download_url"] is None
    assert [job["id"] for job in client.get("/api/v1/packs/").json()["results"]] == [body["id"]]
    assert client.post("/api/v1/packs/", {"scope": "objective"}, format="json").status_code == 400


SCHEDULE = {
    "name": "Weekly office pack",
    "scope": "all",
    "day_of_week": "1",
    "hour": "6",
    "formats": ["pdf", "xlsx"],
    "roles": ["pmo"],
    "language": "fr",
    "enabled": "on",
}


def test_schedule_create_and_edit_write_a_periodic_task(client):
    from django_celery_beat.models import PeriodicTask

    client.force_login(UserFactory(role=Role.PROJECT_OFFICE))
    assert client.post(reverse("governance:pack_schedules"), SCHEDULE).status_code == 302
    task = PeriodicTask.objects.get(name="Weekly office pack")
    assert task.task == "governance.steering_tasks.build_scheduled_pack" and task.enabled
    assert (task.crontab.day_of_week, task.crontab.hour, task.crontab.minute) == ("1", "6", "0")
    assert json.loads(task.kwargs)["roles"] == ["pmo"]
    edit = {**SCHEDULE, "day_of_week": "*", "day_of_month": "1", "hour": "7", "enabled": ""}
    assert client.post(reverse("governance:pack_schedule_edit", args=[task.pk]), edit).status_code == 302
    task.refresh_from_db()
    assert not task.enabled and (task.crontab.day_of_month, task.crontab.hour) == ("1", "7")
    duplicate = client.post(reverse("governance:pack_schedules"), SCHEDULE)
    assert duplicate.status_code == 400
    no_one = client.post(reverse("governance:pack_schedules"), {**SCHEDULE, "name": "x", "roles": []})
    assert no_one.status_code == 400


def test_scheduled_run_archives_the_jobs_and_mails_a_link(portfolio, settings):
    settings.PILOTIS_SITE_URL = "https://pilotis.example.org"
    UserFactory(role=Role.PROJECT_OFFICE, email="office@example.org")
    UserFactory(role=Role.READER, email="reader@example.org")
    ids = build_scheduled_pack(scope="all", roles=["pmo"], formats=["xlsx"], language="en", schedule="Weekly")
    job = ReportJob.objects.get(pk=ids[0])
    assert (
        job.status == ReportJob.Status.READY and job.kind == XLSX_KIND and job.params["schedule"] == "Weekly"
    )
    assert [message.to for message in mail.outbox] == [["office@example.org"]]
    assert f"https://pilotis.example.org/jobs/{job.pk}/download/" in mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("Pilotis: portfolio report pack")
    # The pack stays in the schedule's language; its announcement is in each recipient's.
    UserFactory(role=Role.PROJECT_OFFICE, email="direction@example.org", language="fr")
    mail.outbox.clear()
    build_scheduled_pack(scope="all", roles=["pmo"], formats=["xlsx"], language="en", schedule="Weekly")
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["direction@example.org"].startswith("Pilotis : dossier de pilotage")
    assert subjects["office@example.org"].startswith("Pilotis: portfolio report pack")
    mail.outbox.clear()
    # A second run the same day archives nothing new.
    assert (
        build_scheduled_pack(scope="all", roles=["pmo"], formats=["xlsx"], language="en", schedule="Weekly")
        == ids
    )
