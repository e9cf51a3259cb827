"""The project sheet PDF: asked for by a click, rendered by a real Celery worker, followed by
htmx polling, downloaded as a PDF.

The worker is the one of tests/test_worker.py (a `celery worker` process sharing the test
database file, a temporary broker and media folder).
"""

import re
import subprocess

from django.urls import reverse
from playwright.sync_api import expect

from ppm.models import ReportJob
from tests.test_worker import worker  # noqa: F401  (the fixture)

WORKER_TIMEOUT_MS = 60_000


def test_generate_and_download_the_project_sheet(signed_in, world, worker, tmp_path):  # noqa: F811
    project = world.projects[0]
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    status = page.locator(f"#sheet-status-{project.pk}")
    expect(status).to_have_attribute("data-sheet-status", "none")

    status.get_by_role("button", name="Generate project sheet (PDF)").click()

    # The page shows the sheet as under way, then polls until the worker is done.
    expect(status).to_have_attribute("data-sheet-status", re.compile("pending|running|ready"))
    link = status.get_by_role("link", name=re.compile("Download the project sheet"))
    expect(link).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.READY
    assert job.attempts == 1

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / "sheet.pdf"
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert project.code in text
    assert project.name in " ".join(text.split())
