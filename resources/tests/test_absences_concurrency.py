"""Two absence imports at once (resources.people_imports on ppm.imports), on real connections."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ppm.imports import import_job_request
from ppm.models import ReportJob
from ppm.roles import Role
from ppm.testing import run_interleaved_imports
from ppm.tests.factories import UserFactory
from resources.models import Absence
from resources.people_imports import IMPORT_KIND, AbsenceImporter
from resources.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_two_absence_imports_naming_the_same_people_in_opposite_orders_both_complete(monkeypatch):
    """File A records Alice then Bruno, file B Bruno then Alice; each import stops after its first row
    until the other has written its own. Locking each person as the rows came, each would hold one and
    wait for the other; the people of a file are locked first, in one order, so the second import waits,
    then runs, and both files are recorded whole."""
    monkeypatch.setattr("ppm.reports._enqueue", lambda task, job_id: None)  # run here, in two threads
    pmo = UserFactory(role=Role.PROJECT_OFFICE, username="pmo-absence-imports")
    alice = ResourceFactory(name="Alice Martin", email="alice@example.org")
    bruno = ResourceFactory(name="Bruno Petit", email="bruno@example.org")
    header = "resource,first day,last day,kind,share,note\n"
    files = {
        "A": header + "alice@example.org,2025-09-01,2025-09-01,leave,,A\n"
        "bruno@example.org,2025-09-01,2025-09-01,leave,,A\n",
        "B": header + "bruno@example.org,2025-09-08,2025-09-09,training,,B\n"
        "alice@example.org,2025-09-08,2025-09-09,training,,B\n",
    }
    jobs = [
        import_job_request(
            kind=IMPORT_KIND, upload=SimpleUploadedFile(f"{name}.csv", text.encode()), requested_by=pmo
        )
        for name, text in files.items()
    ]
    firsts = {(alice.pk, "A"), (bruno.pk, "B")}
    errors = run_interleaved_imports(
        monkeypatch,
        AbsenceImporter,
        jobs,
        meet_after=lambda row: (row["resource"].pk, row["data"]["note"]) in firsts,
    )

    assert not errors, errors
    for job in jobs:
        job.refresh_from_db()
        assert job.status == ReportJob.Status.READY, (job.error, job.row_errors)
    recorded = sorted(Absence.objects.values_list("resource_id", "start", "note"))
    monday, next_monday = datetime.date(2025, 9, 1), datetime.date(2025, 9, 8)
    assert recorded == sorted(
        [
            (alice.pk, monday, "A"),
            (bruno.pk, monday, "A"),
            (alice.pk, next_monday, "B"),
            (bruno.pk, next_monday, "B"),
        ]
    )
