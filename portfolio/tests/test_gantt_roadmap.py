"""The portfolio roadmap: payload, grouping, baseline, filters, query counts, page and API."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolio.filters import ProjectFilterSet
from portfolio.models import Objective, Project
from portfolio.rules import ProjectStatus
from portfolio.scheduling.models import PortfolioBaseline, PortfolioBaselineEntry, Task
from portfolio.scheduling.roadmap import roadmap_payload
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def build(n, directorate):
    objectives = [
        Objective.objects.filter(code=code).first() or ObjectiveFactory(code=code)
        for code in ("OBJ-A", "OBJ-B")
    ]
    baseline = PortfolioBaseline.objects.create(name="COPIL T1", taken_at=timezone.now())
    for i in range(n):
        project = ProjectFactory(
            directorate=directorate,
            objectives=objectives[: 1 + i % 2],
            status=list(ProjectStatus)[i % 4],
            planned_start=datetime.date(2026, 1, 5),
            planned_end=datetime.date(2026, 12, 18),
        )
        milestone = Task.objects.create(
            project=project,
            name="COPIL de lancement",
            milestone=True,
            duration=0,
            start=datetime.date(2026, 2, 2),
            finish=datetime.date(2026, 2, 2),
        )
        Project.objects.filter(pk=project.pk).update(
            forecast_start=datetime.date(2026, 1, 12),
            forecast_finish=datetime.date(2027, 1, 29),
            slippage_days=28,
        )
        PortfolioBaselineEntry.objects.create(
            baseline=baseline,
            project=project,
            planned_start=datetime.date(2026, 1, 5),
            planned_end=datetime.date(2026, 12, 18),
            milestones=[[milestone.pk, milestone.name, "2026-01-26"]],
        )
    return baseline


def payload_for(params, **kwargs):
    return roadmap_payload(ProjectFilterSet(params, queryset=Project.objects.all()), **kwargs)


@pytest.mark.parametrize("group_by", ["objective", "directorate", "status"])
def test_query_count_is_the_same_at_3_and_30_projects(group_by, directorate):
    counts = []
    for n in (3, 30):
        Project.objects.all().delete()
        baseline = build(n, directorate)
        with CaptureQueriesContext(connection) as context:
            payload = payload_for({}, group_by=group_by, baseline=baseline)
        counts.append(len(context.captured_queries))
        assert len({row[0] for row in payload["rows"]}) == n
        assert len(payload["milestones"]) == n
    # 6: the payload extensions (ppm.slots: the weather) add exactly one query.
    assert counts[0] == counts[1] <= 6


def test_rows_carry_forecast_planned_and_the_baselines_approved_plan(directorate):
    baseline = build(2, directorate)
    payload = payload_for({}, group_by="objective", baseline=baseline)
    c = {name: i for i, name in enumerate(payload["columns"])}
    # Project 0 has objective A only; project 1 has A and B: it appears under both.
    assert [g[1].split(" – ")[0] for g in payload["groups"]] == ["OBJ-A", "OBJ-B"]
    assert len(payload["rows"]) == 3
    row = payload["rows"][0]
    assert row[c["start"]] == "2026-01-12"  # the forecast wins over the plan
    assert row[c["finish"]] == "2027-01-29"
    assert row[c["planned_end"]] == "2026-12-18"
    assert row[c["baseline_finish"]] == "2026-12-18"
    assert row[c["slippage_days"]] == 28
    assert row[c["url"]] == reverse("portfolio:project_detail", args=[row[c["id"]]])
    mc = {name: i for i, name in enumerate(payload["milestone_columns"])}
    assert payload["milestones"][0][mc["date"]] == "2026-02-02"
    assert payload["milestones"][0][mc["baseline_date"]] == "2026-01-26"
    assert payload["baseline"]["name"] == "COPIL T1"


def test_planned_dates_when_no_schedule_and_no_group_last(directorate):
    ProjectFactory(directorate=directorate, objectives=[], status=ProjectStatus.FRAMING)
    payload = payload_for({}, group_by="objective")
    c = {name: i for i, name in enumerate(payload["columns"])}
    assert payload["groups"][-1][0] == ""
    assert payload["rows"][0][c["start"]] == "2025-01-06"
    assert payload["rows"][0][c["baseline_start"]] is None


def test_the_project_lists_filters_apply(directorate):
    build(4, directorate)
    payload = payload_for({"status": ["demand"]}, group_by="status")
    c = {name: i for i, name in enumerate(payload["columns"])}
    assert {row[c["status"]] for row in payload["rows"]} == {"demand"}
    assert payload["groups"] == [["demand", "Demand"]]


def test_page_and_api(client, directorate, django_user_model):
    from ppm.roles import Role

    baseline = build(3, directorate)
    user = django_user_model.objects.create_user(username="reader", password="x", role=Role.READER)
    client.force_login(user)
    response = client.get(reverse("portfolio:roadmap"), {"group_by": "directorate", "baseline": baseline.pk})
    assert response.status_code == 200
    assert b'id="roadmap-data"' in response.content
    assert b"COPIL T1" in response.content
    api = client.get("/api/v1/roadmap/", {"group_by": "status", "baseline": baseline.pk})
    assert api.status_code == 200
    assert api.json()["group_by"] == "status"
    assert client.get("/api/v1/roadmap/", {"group_by": "nonsense"}).status_code == 400
    assert client.get("/api/v1/roadmap/", {"baseline": 999999}).status_code == 400
    assert client.get("/api/v1/roadmap/", {"directorate": "x\x00"}).status_code == 400
    # Bad filters on the page: the form shows the error, never a 500.
    assert (
        client.get(reverse("portfolio:roadmap"), {"directorate": "abc", "group_by": "x"}).status_code == 200
    )


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("portfolio:roadmap")).status_code == 302
    assert client.get("/api/v1/roadmap/").status_code in (401, 403)
