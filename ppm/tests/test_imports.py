"""The generic import pattern (ppm.imports): whole file checked first, all rows or none written,
every bad row reported on the job. The importer here creates directorates (core objects only)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from ppm import reports
from ppm.imports import Importer, import_job_request, import_job_run, sniff_table, table_rows
from ppm.models import Directorate, ReportJob
from ppm.reports import ReportKind
from ppm.tests.factories import DirectorateFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = "test_import"


class DirectorateImporter(Importer):
    def validate_row(self, job, line, row):
        errors = {}
        if not row.get("code"):
            errors["code"] = ["The code is required."]
        if not row.get("name"):
            errors["name"] = ["The name is required."]
        if errors:
            raise ValidationError(errors)
        return {"code": row["code"], "name": row["name"]}

    def write_row(self, job, cleaned):
        if cleaned["name"] == "refused by the service":
            raise ValidationError("The service refused this one.")
        directorate = Directorate(**cleaned)
        directorate.full_clean()
        directorate.save()


class RecordingTask:
    def __init__(self):
        self.sent = []

    def delay(self, job_id):
        self.sent.append(job_id)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def task(monkeypatch):
    recording = RecordingTask()
    monkeypatch.setitem(reports._KINDS, KIND, ReportKind(name=KIND, task=recording, downloadable=False))
    return recording


@pytest.fixture
def user(db):
    return UserFactory(username="importer")


def upload(content: bytes, name="directorates.csv", content_type="text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _run(job):
    import_job_run(job_id=job.pk, importer=DirectorateImporter())
    job.refresh_from_db()
    return job


def test_a_valid_file_is_imported_whole(task, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_request(
            kind=KIND, upload=upload(b"code;name\nDA;Alpha\nDB;Beta\n"), requested_by=user, language="en"
        )
    assert task.sent == [job.pk]
    assert job.file.name.startswith(f"reports/{KIND}/{job.token}/upload") and job.file.name.endswith(".csv")
    assert job.filename == "directorates.csv"

    job = _run(job)

    assert job.status == ReportJob.Status.READY
    assert job.result == {"rows": 2, "imported": 2}
    assert job.progress == 100 and job.row_errors == []
    assert sorted(Directorate.objects.values_list("code", flat=True)) == ["DA", "DB"]


def test_any_bad_row_writes_nothing_and_every_error_is_kept(task, user):
    DirectorateFactory(code="TAKEN")
    content = b"code,name\nOK1,Fine\n,No code\nOK2,\nTAKEN,Duplicate in the database\n"
    job = _run(import_job_request(kind=KIND, upload=upload(content), requested_by=user))

    assert job.status == ReportJob.Status.FAILED
    assert job.error_code == "rows"
    # Validation errors of lines 3 and 4 only (the duplicate is caught when writing, which is not reached).
    assert job.row_errors == [
        {"line": 3, "field": "code", "message": "The code is required."},
        {"line": 4, "field": "name", "message": "The name is required."},
    ]
    assert "2 rows have errors; nothing was imported" in job.error
    assert job.result == {"rows": 4, "invalid_rows": 2}
    assert not Directorate.objects.filter(code="OK1").exists()


def test_an_error_while_writing_rolls_back_every_row(task, user):
    DirectorateFactory(code="TAKEN")
    content = b"code,name\nNEW1,First\nTAKEN,Duplicate\nNEW2,refused by the service\nNEW3,Last\n"
    job = _run(import_job_request(kind=KIND, upload=upload(content), requested_by=user))

    assert job.status == ReportJob.Status.FAILED
    assert [(error["line"], error["field"]) for error in job.row_errors] == [(3, "code"), (4, "")]
    assert job.row_errors[1]["message"] == "The service refused this one."
    assert not Directorate.objects.filter(code__startswith="NEW").exists()  # NEW1 was rolled back


def test_the_same_file_twice_is_imported_once(task, user, django_capture_on_commit_callbacks):
    content = b"code,name\nONCE,Once\n"
    with django_capture_on_commit_callbacks(execute=True):
        first = import_job_request(kind=KIND, upload=upload(content), requested_by=user)
    _run(first)
    with django_capture_on_commit_callbacks(execute=True):
        second = import_job_request(kind=KIND, upload=upload(content, name="again.csv"), requested_by=user)
    assert second.pk == first.pk and task.sent == [first.pk]
    assert Directorate.objects.filter(code="ONCE").count() == 1


def test_a_redelivered_message_of_a_finished_import_does_nothing(task, user):
    job = _run(import_job_request(kind=KIND, upload=upload(b"code,name\nR1,One\n"), requested_by=user))
    Directorate.objects.filter(code="R1").delete()
    _run(job)
    assert not Directorate.objects.filter(code="R1").exists()


def test_files_over_the_size_cap_are_refused(task, user, settings):
    settings.PILOTIS_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="too large"):
        import_job_request(kind=KIND, upload=upload(b"code,name\n" + b"X,Y\n" * 50), requested_by=user)
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n\x00\x01binary",
        b"PK\x03\x04 a zip that is not a workbook",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"",
    ],
)
def test_files_are_typed_by_their_content_not_their_name(task, user, content):
    with pytest.raises(ValidationError):
        import_job_request(kind=KIND, upload=upload(content, name="looks-fine.csv"), requested_by=user)
    assert not ReportJob.objects.exists()


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_is_read_whatever_its_name(task, user):
    content = _xlsx([["Code", "Name"], ["XL1", "From Excel"], [None, None], [42, "A number"]])
    assert sniff_table(content) == "xlsx"
    job = _run(import_job_request(kind=KIND, upload=upload(content, name="data.txt"), requested_by=user))
    assert job.status == ReportJob.Status.READY, job.row_errors
    assert set(Directorate.objects.values_list("code", "name")) == {("XL1", "From Excel"), ("42", "A number")}


def test_csv_in_windows_1252_with_semicolons_is_read():
    content = "Code;Name\nFR1;Défense\n".encode("cp1252")
    assert sniff_table(content) == "csv"
    assert list(table_rows(content, "csv")) == [(2, {"code": "FR1", "name": "Défense"})]


def test_an_unreadable_table_fails_the_job_with_a_message(task, user):
    job = _run(import_job_request(kind=KIND, upload=upload(b"code,name\n"), requested_by=user))
    assert job.status == ReportJob.Status.FAILED
    assert job.error_code == "file"
    assert job.error == "The file has no data row."
