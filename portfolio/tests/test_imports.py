"""Import projects from CSV/XLSX (portfolio.imports on ppm.imports), and the project sheet through
the core's generic job views."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.sheet import SHEET_KIND
from portfolio.tasks import import_projects, render_project_sheet
from portfolio.tests.factories import ProjectFactory
from ppm.models import AuditEntry, ReportJob
from ppm.tests.factories import DirectorateFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_imports(monkeypatch):
    """The import task runs in this process when the request's transaction commits."""
    monkeypatch.setattr(import_projects, "delay", lambda job_id: import_projects.apply(args=[job_id]))


@pytest.fixture
def directorates(db):
    return DirectorateFactory(code="DSI", name="Information systems"), DirectorateFactory(
        code="DRH", name="Human resources"
    )


def csv_upload(text: str, name="projects.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post(client, upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("portfolio:project_import"), {"file": upload})


GOOD = (
    "code,name,directorate,manager,planned start,planned end,priority,tags,description\n"
    'IMP-1,Imported one,DSI,manager1,2026-01-01,2026-12-31,2,"cloud, citizens",First\n'
    "IMP-2,Imported two,Human resources,,,,low,,\n"
)


def test_the_project_office_imports_projects_from_csv(
    client, pmo_user, manager_user, directorates, run_imports, django_capture_on_commit_callbacks
):
    client.force_login(pmo_user)
    response = post(client, csv_upload(GOOD), django_capture_on_commit_callbacks)

    job = ReportJob.objects.get(kind="project_import")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portfolio:project_import')}?job={job.pk}"
    assert job.status == ReportJob.Status.READY, job.row_errors
    one = Project.objects.get(code="IMP-1")
    assert one.name == "Imported one" and one.directorate.code == "DSI" and one.manager == manager_user
    assert one.planned_start == datetime.date(2026, 1, 1) and one.priority == 2
    assert sorted(one.tags.values_list("name", flat=True)) == ["citizens", "cloud"]
    assert one.status == ProjectStatus.DEMAND
    two = Project.objects.get(code="IMP-2")
    assert two.directorate.code == "DRH" and two.priority == 4 and two.manager is None
    # Created through the service: audited as the requester.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, actor=pmo_user).count() == 2

    page = client.get(response["Location"]).content.decode()
    assert 'data-job-status="ready"' in page and "2 rows imported." in page
    assert "report_job_download" not in page and "/download/" not in page  # the upload is not offered


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_problem(
    client, pmo_user, directorates, run_imports, django_capture_on_commit_callbacks
):
    ProjectFactory(code="EXISTS")
    text = (
        "code,name,directorate,planned start,planned end\n"
        "NEW-1,Fine,DSI,,\n"
        "EXISTS,Already there,DSI,,\n"
        "NEW-2,,NOWHERE,,\n"
        "NEW-3,Backwards,DSI,2026-05-01,2026-01-01\n"
        "NEW-1,Twice in the file,DSI,,\n"
    )
    client.force_login(pmo_user)
    response = post(client, csv_upload(text), django_capture_on_commit_callbacks)

    job = ReportJob.objects.get(kind="project_import")
    assert job.status == ReportJob.Status.FAILED and job.error_code == "rows"
    assert not Project.objects.filter(code__startswith="NEW").exists()
    problems = {(error["line"], error["field"]) for error in job.row_errors}
    assert problems == {(3, "code"), (4, "name"), (4, "directorate"), (5, "planned_end"), (6, "code")}
    assert any("NOWHERE" in error["message"] for error in job.row_errors)

    page = client.get(response["Location"]).content.decode()
    assert 'data-job-status="failed"' in page
    assert "4 rows have errors; nothing was imported" in page
    assert "Rows to correct" in page and "NOWHERE" in page


def test_an_xlsx_file_is_imported(
    client, pmo_user, directorates, run_imports, django_capture_on_commit_callbacks
):
    workbook = Workbook()
    workbook.active.append(["Code", "Nom", "Direction", "Début prévu"])
    workbook.active.append(["XL-1", "Depuis Excel", "DSI", datetime.datetime(2026, 3, 1)])  # noqa: DTZ001 (a naive spreadsheet date)
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(pmo_user)
    post(client, SimpleUploadedFile("projets.xlsx", buffer.getvalue()), django_capture_on_commit_callbacks)

    project = Project.objects.get(code="XL-1")
    assert project.name == "Depuis Excel" and project.planned_start == datetime.date(2026, 3, 1)


def test_a_refused_file_is_explained_on_the_form(client, pmo_user, settings):
    settings.PILOTIS_IMPORT_MAX_BYTES = 50
    client.force_login(pmo_user)
    response = client.post(reverse("portfolio:project_import"), {"file": csv_upload(GOOD)})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    response = client.post(
        reverse("portfolio:project_import"),
        {"file": SimpleUploadedFile("x.csv", b"%PDF-1.4\x00\x00", content_type="text/csv")},
    )
    assert response.status_code == 400 and "not a spreadsheet" in response.content.decode()
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize("role", ["reader_user", "manager_user", "committee_user"])
def test_only_the_project_office_and_administrators_import(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("portfolio:project_import")).status_code == 403
    assert client.post(reverse("portfolio:project_import"), {"file": csv_upload(GOOD)}).status_code == 403
    assert not ReportJob.objects.exists()


def test_an_import_job_is_seen_by_its_requester_only(
    client, pmo_user, admin_user_, directorates, run_imports, django_capture_on_commit_callbacks
):
    client.force_login(pmo_user)
    post(client, csv_upload(GOOD), django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    client.force_login(admin_user_)
    assert client.get(reverse("report_job_status", args=[job.pk])).status_code == 404
    assert client.get(f"{reverse('portfolio:project_import')}?job={job.pk}").status_code == 404
    client.force_login(pmo_user)
    assert client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX).status_code == 200
    assert client.get(reverse("report_job_download", args=[job.pk])).status_code == 404  # not downloadable


# --- the sheet through the generic views --------------------------------------------------------


def test_the_sheet_is_requested_followed_and_downloaded_through_the_generic_views(
    client, reader_user, pmo_user, django_capture_on_commit_callbacks, monkeypatch
):
    project = ProjectFactory(code="GEN-1", name="Generic sheet")
    monkeypatch.setattr(
        render_project_sheet, "delay", lambda job_id: render_project_sheet.apply(args=[job_id])
    )
    client.force_login(reader_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("report_job_request", args=[SHEET_KIND]), {"object": project.pk}, headers=HTMX
        )
    assert response.status_code == 200
    job = ReportJob.objects.get(kind=SHEET_KIND)
    assert job.object_id == project.pk and job.object_version == project.version
    assert job.status == ReportJob.Status.READY
    assert job.file.name.startswith(f"reports/{SHEET_KIND}/{job.token}/")

    # Any signed-in user may see the project, so may follow and download its sheet.
    client.force_login(pmo_user)
    html = client.get(reverse("report_job_status", args=[job.pk]), headers=HTMX).content.decode()
    assert 'data-job-status="ready"' in html
    download = client.get(reverse("report_job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # The project page's own download link serves the same file.
    page_download = client.get(reverse("portfolio:project_sheet_download", args=[project.pk]))
    assert page_download["X-Content-Type-Options"] == "nosniff"


def test_the_generic_sheet_request_needs_an_existing_project(client, reader_user):
    client.force_login(reader_user)
    url = reverse("report_job_request", args=[SHEET_KIND])
    assert client.post(url, {"object": 999999}).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not ReportJob.objects.exists()


def test_a_sheet_of_a_deleted_project_is_no_longer_reachable(client, reader_user, pmo_user):
    project = ProjectFactory(code="GONE-1")
    job = ReportJob.objects.create(
        kind=SHEET_KIND, key="k-gone", object_id=project.pk, object_version=1, requested_by=pmo_user
    )
    project.status_changes.all().delete()
    Project.objects.filter(pk=project.pk).delete()
    client.force_login(pmo_user)
    assert client.get(reverse("report_job_status", args=[job.pk])).status_code == 404
