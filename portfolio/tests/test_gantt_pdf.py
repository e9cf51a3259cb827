"""The Gantt PDF export: SVG pages cut both ways, printed with "Page N of M", as a report job."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.scheduling import services
from portfolio.scheduling.gantt_pdf import gantt_pages, gantt_pdf_render
from portfolio.scheduling.models import Baseline, BaselineTask, Task
from portfolio.scheduling.selectors import gantt_payload
from portfolio.tests.factories import ProjectFactory
from ppm.models import ReportJob

pytestmark = pytest.mark.django_db


def schedule(project, n):
    previous = None
    tasks = []
    for i in range(n):
        task = services.task_create(
            actor=None, project=project, name=f"Tâche <{i}> & co", duration=3 + i % 5, milestone=i % 10 == 9
        )
        if previous is not None:
            services.link_create(actor=None, predecessor=previous, successor=task)
        previous = task
        tasks.append(task)
    return tasks


def test_pages_cut_rows_down_and_time_across(directorate):
    project = ProjectFactory(directorate=directorate, planned_start=datetime.date(2026, 1, 5))
    schedule(project, 60)
    payload = gantt_payload(project)
    a4_week = gantt_pages(payload, zoom="week", paper="A4")
    a3_week = gantt_pages(payload, zoom="week", paper="A3")
    a4_year = gantt_pages(payload, zoom="year", paper="A4")
    assert len(a4_year) == 2  # 60 rows on two A4 pages, the whole year on one width
    assert len(a4_week) > len(a3_week) >= 1
    svg = a4_year[0]
    assert svg.startswith("<svg") and "Tâche &lt;0&gt; &amp; co" in svg  # user text escaped
    assert "#a4262c" in svg  # the chain is critical


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_render_prints_page_n_of_m_in_the_users_language(directorate, make_user, tmp_path):
    project = ProjectFactory(directorate=directorate, code="ERP-26", planned_start=datetime.date(2026, 1, 5))
    tasks = schedule(project, 45)
    baseline = Baseline.objects.create(project=project, name="COPIL", taken_at=timezone.now())
    BaselineTask.objects.bulk_create(
        BaselineTask(baseline=baseline, task=t, name=t.name, start=t.start, finish=t.finish)
        for t in Task.objects.filter(pk__in=[t.pk for t in tasks])
    )
    job = ReportJob.objects.create(
        kind="gantt_pdf",
        key="test",
        params={"language": "fr", "zoom": "month", "paper": "A4", "baseline": str(baseline.pk)},
        object_id=project.pk,
    )
    filename, pdf = gantt_pdf_render(job)
    assert filename == "ERP-26-gantt.pdf"
    path = tmp_path / "gantt.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    pages = int(
        subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    assert pages >= 2  # 45 rows do not fit one A4 page
    assert f"Page 1 sur {pages}" in text and f"Page {pages} sur {pages}" in text
    assert "ERP-26 · " in text


def test_request_through_the_job_machinery(client, directorate, make_user):
    project = ProjectFactory(directorate=directorate)
    schedule(project, 3)
    client.force_login(make_user())
    url = reverse("report_job_request", kwargs={"kind": "gantt_pdf"})
    response = client.post(url, {"object": project.pk, "zoom": "month", "paper": "A3"})
    assert response.status_code == 302
    job = ReportJob.objects.get(kind="gantt_pdf")
    assert job.params["paper"] == "A3" and job.object_id == project.pk
    assert client.post(url, {"object": project.pk, "zoom": "decade", "paper": "A3"}).status_code == 400
    assert client.post(url, {"object": "x", "zoom": "week", "paper": "A4"}).status_code == 404
    assert (
        client.post(url, {"object": project.pk, "zoom": "week", "paper": "A4", "baseline": "9"}).status_code
        == 400
    )


@pytest.mark.parametrize(
    "start, end, printed, hidden",
    [
        # 2024 begins three days before the page: too close to 2025 to be labelled beside it.
        (datetime.date(2024, 12, 29), datetime.date(2025, 9, 30), [">2025</text>"], [">2024</text>"]),
        # Far enough from the next one, it keeps its label at the page's left edge.
        (datetime.date(2024, 9, 1), datetime.date(2025, 6, 30), [">2024</text>", ">2025</text>"], []),
    ],
)
def test_a_year_begun_before_the_page_is_not_printed_over_the_next_one(start, end, printed, hidden):
    from portfolio.scheduling.gantt_pdf import draw_page

    svg = draw_page([], [], width=1100, start=start, end=end, zoom="month", today=datetime.date(2025, 3, 1))
    assert all(label in svg for label in printed) and not any(label in svg for label in hidden)
