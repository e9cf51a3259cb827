"""The capacity plan's pages, API, debounce, freshness and reports (over snapshots built in the test)."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory
from ppm.testing import assert_same_queries_at_two_sizes
from resources import capacity_plan
from resources.capacity import add_months, month_start
from resources.capacity_plan import capacity_plan_changed, capacity_snapshot_request, capacity_snapshot_run
from resources.capacity_report import (
    REPORT_PDF,
    REPORT_XLSX,
    capacity_report_pdf,
    capacity_report_send,
    capacity_report_xlsx,
)
from resources.models import CapacitySnapshot, RoleFamily
from resources.snapshot import PlanParams, snapshot_get_or_create
from resources.tests.factories import AllocationFactory, ProfileFactory, ResourceFactory, TeamFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def plan():
    """Team « Études » overloaded this quarter (70 days for one person this month), « Data » under-loaded."""
    this_month = month_start(timezone.localdate())
    profile = ProfileFactory(code="DEV", name="Developer", family=RoleFamily.MOE)
    etudes, data = TeamFactory(name="Études"), TeamFactory(name="Data")
    alice = ResourceFactory(name="Alice Martin", team=etudes, primary_profile=profile)
    bruno = ResourceFactory(name="Bruno Petit", team=data, primary_profile=profile)
    p1 = ProjectFactory(code="SIRH", name="New HR system", status=ProjectStatus.IN_PROGRESS)
    p2 = ProjectFactory(code="GED", name="Document management", status=ProjectStatus.APPROVED)
    p3 = ProjectFactory(code="IDEA", name="Under study", status=ProjectStatus.DEMAND)
    AllocationFactory(project=p1, resource=alice, period_start=this_month, days=Decimal("60"))
    AllocationFactory(project=p2, resource=alice, period_start=this_month, days=Decimal("10"))
    AllocationFactory(project=p2, resource=bruno, period_start=add_months(this_month, 1), days=Decimal("2"))
    AllocationFactory(project=p3, resource=bruno, period_start=this_month, days=Decimal("5"))
    return {"etudes": etudes, "data": data, "alice": alice, "bruno": bruno, "p1": p1, "p2": p2, "p3": p3}


def build(params=None):
    snapshot = snapshot_get_or_create(params or PlanParams())
    capacity_snapshot_run(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    return snapshot


def test_page_says_it_is_not_built_then_shows_the_heatmap_and_freshness(client, committee_user, plan):
    client.force_login(committee_user)
    url = reverse("resources:capacity")
    response = client.get(url)
    assert response.status_code == 200
    assert "Not built yet." in response.text
    assert "A build is queued" in response.text
    # Nothing queued twice by a second view.
    queued_at = CapacitySnapshot.objects.get().queued_at
    client.get(url)
    assert CapacitySnapshot.objects.get().queued_at == queued_at

    build()
    response = client.get(url)
    text = response.text
    assert "Snapshot built on" in text and "Up to date." in text
    assert "Études" in text and "Data" in text
    # Overload marked in words, not colour only.
    assert "overloaded</span>" in text
    assert "Overloaded over the next three months" in text
    # A committee member may not rebuild.
    assert "Rebuild now" not in text


def test_stale_after_a_change_and_rebuild_with_htmx(client, pmo_user, plan):
    build()
    client.force_login(pmo_user)
    AllocationFactory(
        project=plan["p1"], resource=plan["bruno"], period_start=month_start(timezone.localdate())
    )
    response = client.get(reverse("resources:capacity"))
    assert "Out of date: the plans changed since" in response.text
    assert "Rebuild now" in response.text

    response = client.post(reverse("resources:capacity_rebuild"), {"query": "dimension=team"}, headers=HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.text
    since = response.text.split("since=")[1].split('"')[0]
    # Still queued: the poll answers the banner.
    status_url = reverse("resources:capacity_status") + f"?dimension=team&since={since}"
    assert client.get(status_url, headers=HTMX).status_code == 200
    snapshot = CapacitySnapshot.objects.get(grain="month")
    assert capacity_snapshot_run(snapshot_id=snapshot.pk) == "built"
    done = client.get(status_url, headers=HTMX)
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert "Up to date." in client.get(reverse("resources:capacity")).text


def test_rebuild_is_refused_to_readers(client, reader_user, plan):
    client.force_login(reader_user)
    response = client.post(reverse("resources:capacity_rebuild"), {"query": ""}, headers=HTMX)
    assert response.status_code == 403
    assert not CapacitySnapshot.objects.filter(queued_at__isnull=False).exists()


def test_drill_down_lists_the_projects_and_people_of_a_cell(client, committee_user, plan):
    build()
    client.force_login(committee_user)
    url = reverse("resources:capacity_cell") + f"?dimension=team&key={plan['etudes'].pk}&period=0"
    text = client.get(url).text
    assert "SIRH · New HR system" in text and "GED · Document management" in text
    assert "Alice Martin" in text
    assert "60.00" in text and "10.00" in text
    assert "IDEA" not in text  # a demand under study is left out by default
    assert reverse("portfolio:project_detail", args=[plan["p1"].pk]) in text
    assert client.get(url.replace("period=0", "period=99")).status_code == 404
    assert client.get(url.replace(f"key={plan['etudes'].pk}", "key=nope")).status_code == 404


def test_under_study_filter_adds_demands(client, committee_user, plan):
    build(PlanParams(statuses=("approved", "demand", "framing", "in_progress")))
    client.force_login(committee_user)
    url = (
        reverse("resources:capacity_cell") + f"?dimension=team&key={plan['data'].pk}&period=0&under_study=on"
    )
    assert "IDEA · Under study" in client.get(url).text


def test_line_chart_of_a_team(client, committee_user, plan):
    build()
    client.force_login(committee_user)
    response = client.get(reverse("resources:capacity_line") + f"?dimension=team&key={plan['etudes'].pk}")
    assert response.status_code == 200
    assert "Études" in response.text and "Net capacity" in response.text and "figure-line" in response.text


def test_debounce_two_requests_queue_one_build(django_capture_on_commit_callbacks, monkeypatch, plan):
    sent = []
    monkeypatch.setattr(
        capacity_plan, "_send", lambda snapshot_id, countdown: sent.append((snapshot_id, countdown))
    )
    with django_capture_on_commit_callbacks(execute=True):
        capacity_plan_changed(reason="allocations")
    with django_capture_on_commit_callbacks(execute=True):
        capacity_plan_changed(reason="absences")
    assert len(sent) == 1
    assert sent[0][1] == 30  # the debounce countdown
    # Once the build ran, the next change queues again.
    capacity_snapshot_run(snapshot_id=sent[0][0])
    with django_capture_on_commit_callbacks(execute=True):
        capacity_snapshot_request(None, reason="again")
    assert len(sent) == 2


def test_run_twice_builds_once(plan):
    snapshot = snapshot_get_or_create(PlanParams())
    assert capacity_snapshot_run(snapshot_id=snapshot.pk) == "built"
    built_at = CapacitySnapshot.objects.get(pk=snapshot.pk).built_at
    assert capacity_snapshot_run(snapshot_id=snapshot.pk) == "unchanged"
    assert CapacitySnapshot.objects.get(pk=snapshot.pk).built_at == built_at


def _grow(n):
    this_month = month_start(timezone.localdate())
    profile = ProfileFactory(code="DEV", name="Developer", family=RoleFamily.MOE)
    for _ in range(n):
        person = ResourceFactory(primary_profile=profile)
        AllocationFactory(
            project=ProjectFactory(status=ProjectStatus.IN_PROGRESS),
            resource=person,
            period_start=this_month,
        )
    build()


def test_page_and_api_queries_do_not_grow(client, committee_user):
    client.force_login(committee_user)

    def page():
        response = client.get(reverse("resources:capacity") + "?dimension=person")
        assert response.status_code == 200 and "Person" in response.text

    def api():
        response = client.get("/api/v1/capacity/?dimension=team")
        assert response.status_code == 200 and response.json()["rows"]

    def cell():
        snapshot = CapacitySnapshot.objects.get(grain="month")
        row = snapshot.rows.filter(dimension="family").first()
        url = reverse("resources:capacity_cell") + f"?dimension=family&key={row.dim_key}&period=0"
        assert client.get(url).status_code == 200

    assert_same_queries_at_two_sizes(page, grow=_grow, ceiling=14, sizes=(3, 12))
    assert_same_queries_at_two_sizes(api, grow=_grow, ceiling=12, sizes=(3, 12))
    # The page's own queries plus the header's: the Resources menu and the alerts bell (one each).
    assert_same_queries_at_two_sizes(cell, grow=_grow, ceiling=14, sizes=(3, 12))


def test_api_returns_rows_of_arrays_and_rebuild(client, pmo_user, reader_user, plan):
    build()
    client.force_login(reader_user)
    data = client.get("/api/v1/capacity/?dimension=team&grain=month").json()
    assert data["stale"] is False and data["built_at"]
    assert len(data["periods"]) == 36
    etudes = next(row for row in data["rows"] if row["label"] == "Études")
    assert etudes["load"][0] == 70.0 and len(etudes["capacity"]) == 36
    assert client.post("/api/v1/capacity/rebuild/").status_code == 403
    client.force_login(pmo_user)
    response = client.post("/api/v1/capacity/rebuild/", {"grain": "week"}, content_type="application/json")
    assert response.status_code == 202
    assert CapacitySnapshot.objects.get(grain="week").queued_at is not None
    assert client.get("/api/v1/capacity/?grain=year").status_code == 400


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_report_pdf_names_the_overloaded_team(plan, tmp_path):
    snapshot = build()
    path = tmp_path / "report.pdf"
    path.write_bytes(capacity_report_pdf(snapshot))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "Capacity report" in text
    overloaded = text.split("Overloaded over the next three months")[1].split("Load ÷ capacity by")[0]
    assert "Études" in overloaded and "Data" not in overloaded


def test_report_xlsx_reads_back(plan):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(capacity_report_xlsx(build())))
    assert {"Team", "Role", "Person", "Role family", "Directorate"} <= set(book.sheetnames)
    rows = list(book["Team"].iter_rows(values_only=True))
    etudes = [row for row in rows if row[0] == "Études"]
    load = next(row for row in etudes if row[1] == "Load (d)")
    ratio = next(row for row in etudes if row[1] == "Load ÷ capacity (%)")
    assert load[2] == 70.0
    assert ratio[2] > 100


def test_report_jobs_are_requested_from_the_page(
    client, committee_user, plan, django_capture_on_commit_callbacks
):
    client.force_login(committee_user)
    with django_capture_on_commit_callbacks(execute=False):
        for kind in (REPORT_PDF, REPORT_XLSX):
            response = client.post(
                reverse("report_job_request", kwargs={"kind": kind}),
                {"query": "dimension=team"},
                headers=HTMX,
            )
            assert response.status_code == 200


def test_monthly_report_is_mailed_to_the_project_office(make_user, plan):
    from ppm.roles import Role

    make_user(Role.PROJECT_OFFICE, email="pmo@example.org")
    make_user(Role.PROJECT_OFFICE, email="gone@example.org", is_active=False)
    make_user(Role.COMMITTEE_MEMBER, email="committee@example.org")
    assert capacity_report_send() == 1
    (message,) = mail.outbox
    assert message.to == ["pmo@example.org"]
    assert sorted(name.rsplit(".", 1)[1] for name, _content, _type in message.attachments) == ["pdf", "xlsx"]
    # A French reader gets it in French (one e-mail per language, not one per person).
    french = make_user(Role.PROJECT_OFFICE, email="direction@example.org")
    french.language = "fr"
    french.save()
    mail.outbox.clear()
    assert capacity_report_send() == 2
    by_address = {address: message for message in mail.outbox for address in message.to}
    assert by_address["direction@example.org"].subject.startswith("Pilotis · rapport de capacité de ")
    assert by_address["pmo@example.org"].subject.startswith("Pilotis · capacity report of ")


def test_a_built_page_is_drawn_once_then_read_from_the_cache_until_the_next_build(
    client, committee_user, plan, monkeypatch
):
    from resources import capacity_views

    build()
    client.force_login(committee_user)
    url = reverse("resources:capacity") + "?dimension=team"
    drawn = []
    real_table = capacity_views._table_html
    monkeypatch.setattr(capacity_views, "_table_html", lambda *a, **k: drawn.append(1) or real_table(*a, **k))

    first = client.get(url).text
    second = client.get(url).text
    assert _without_csrf(second) == _without_csrf(first) and len(drawn) == 1  # the same page, drawn once
    assert "Études" in first and "overloaded</span>" in first and '"type": "heatmap"' in first
    # Another language is drawn in it (periods' names, decimal separator, words).
    french = client.get(url, headers={"Accept-Language": "fr"}).text
    assert len(drawn) == 2 and "surchargé" in french
    client.get(url, headers={"Accept-Language": "fr"})
    assert len(drawn) == 2

    # A change, then a rebuild: the page shows the new figures, not the cached ones.
    AllocationFactory(
        project=plan["p1"], resource=plan["bruno"], period_start=month_start(timezone.localdate())
    )
    build()
    rebuilt = client.get(url).text
    assert len(drawn) == 3 and _without_csrf(rebuilt) != _without_csrf(first)


def _without_csrf(html: str) -> str:
    import re

    return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', "", html)
