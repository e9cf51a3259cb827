"""CSV import of absences (resources.people_imports on ppm.imports): all rows or none."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ppm.models import AuditEntry, ReportJob
from resources.models import Absence
from resources.people_imports import import_absences
from resources.tests.factories import AbsenceFactory, ResourceFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run_imports(monkeypatch):
    monkeypatch.setattr(import_absences, "delay", lambda job_id: import_absences.apply(args=[job_id]))


def _post(client, text, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("absences.csv", text.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("resources:absence_import"), {"file": upload})


def test_a_good_file_is_imported_by_name_or_email(
    client, pmo_user, run_imports, django_capture_on_commit_callbacks
):
    emilie = ResourceFactory(name="Émilie Garcia")
    karim = ResourceFactory(name="Karim Benali", email="karim.benali@example.org")
    text = (
        "Nom;Premier jour;Dernier jour;Nature;Quotité\n"
        "emilie garcia;04/08/2025;15/08/2025;Congés;\n"
        "karim.benali@example.org;2025-03-10;2025-03-10;training;0,5\n"
    )
    client.force_login(pmo_user)
    response = _post(client, text, django_capture_on_commit_callbacks)

    job = ReportJob.objects.get(kind="absence_import")
    assert response.status_code == 302 and job.status == ReportJob.Status.READY, job.row_errors
    assert Absence.objects.get(resource=emilie).end == D(2025, 8, 15)
    half = Absence.objects.get(resource=karim)
    assert half.kind == "training" and str(half.day_share) == "0.50"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, actor=pmo_user).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "2 rows imported." in page


def test_bad_rows_are_all_reported_and_nothing_is_written(
    client, pmo_user, run_imports, django_capture_on_commit_callbacks
):
    person = ResourceFactory(name="Jeanne Roy")
    AbsenceFactory(resource=person, start=D(2025, 8, 4), end=D(2025, 8, 8))
    ResourceFactory(name="Twin")
    ResourceFactory(name="twin")
    text = (
        "resource,first day,last day,kind,share\n"
        "Jeanne Roy,2025-09-01,2025-09-02,leave,\n"  # fine on its own
        "Nobody,2025-09-01,2025-09-02,,\n"  # line 3: unknown person
        "Jeanne Roy,2025-08-07,2025-08-12,,\n"  # line 4: overlaps a recorded absence
        "Jeanne Roy,2025-09-02,2025-09-03,,\n"  # line 5: overlaps line 2
        "Jeanne Roy,31/02/2025,2025-09-30,holiday,2\n"  # line 6: bad date, kind
        "Twin,2025-10-01,2025-10-01,,\n"  # line 7: ambiguous name
    )
    client.force_login(pmo_user)
    _post(client, text, django_capture_on_commit_callbacks)

    job = ReportJob.objects.get(kind="absence_import")
    assert job.status == ReportJob.Status.FAILED and job.error_code == "rows"
    problems = {(error["line"], error["field"]) for error in job.row_errors}
    assert problems == {
        (3, "resource"),
        (4, "start"),
        (5, "start"),
        (6, "start"),
        (6, "kind"),
        (7, "resource"),
    }
    assert any("line 2" in error["message"] for error in job.row_errors if error["line"] == 5)
    assert Absence.objects.count() == 1


def test_only_the_project_office_imports(client, contributor_user):
    client.force_login(contributor_user)
    assert client.get(reverse("resources:absence_import")).status_code == 403
