"""Import projects in the browser: upload a CSV, follow the job (htmx polling of the generic
fragment) until a real Celery worker has imported it, or listed every bad row."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from portfolio.models import Project
from tests.axe import assert_accessible
from tests.test_worker import worker  # noqa: F401  (the fixture)

WORKER_TIMEOUT_MS = 60_000


def test_import_projects_and_see_the_rows_to_correct(signed_in, world, worker, tmp_path):  # noqa: F811
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_import"))
    assert_accessible(page, "import page")

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,directorate\nBRW-1,Browser one,DSI\nBRW-2,,NOWHERE\n")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Import", exact=True).click()

    job = page.locator("[data-job-status]")
    expect(job).to_have_attribute("data-job-status", "failed", timeout=WORKER_TIMEOUT_MS)
    expect(job.get_by_role("alert")).to_contain_text("1 row has errors; nothing was imported")
    expect(job.get_by_role("table")).to_contain_text("NOWHERE")
    assert not Project.objects.filter(code__startswith="BRW-").exists()
    assert_accessible(page, "import with errors")

    good = tmp_path / "good.csv"
    good.write_text("code,name,directorate\nBRW-1,Browser one,DSI\nBRW-2,Browser two,DSI\n")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(good))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(job).to_have_attribute("data-job-status", re.compile("pending|running|ready"))
    expect(job).to_have_attribute("data-job-status", "ready", timeout=WORKER_TIMEOUT_MS)
    expect(job).to_contain_text("2 rows imported.")
    assert set(Project.objects.filter(code__startswith="BRW-").values_list("code", flat=True)) == {
        "BRW-1",
        "BRW-2",
    }
