"""Alerts API: the list scoped like the page with its filters, acknowledge and close (who, when), a
second transition refused."""

import datetime

import pytest
from rest_framework.test import APIClient

from governance.alerts import alerts_evaluate
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 16)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_is_scoped_and_filtered():
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    mine = ProjectFactory(status=ProjectStatus.IN_PROGRESS, slippage_days=30, manager=manager, code="MINE-1")
    ProjectFactory(status=ProjectStatus.IN_PROGRESS, slippage_days=30, code="OTHER-1")
    alerts_evaluate(TODAY)
    rows = api(manager).get("/api/v1/alerts/").json()["results"]
    assert [row["project_code"] for row in rows] == ["MINE-1"]
    assert (
        "working days beyond the approved end" in rows[0]["text"] and rows[0]["rule"] == "forecast_slippage"
    )
    pmo = api(UserFactory(role=Role.PROJECT_OFFICE))
    assert pmo.get("/api/v1/alerts/").json()["count"] == 2
    assert [row["project"] for row in pmo.get("/api/v1/alerts/", {"project": mine.pk}).json()["results"]] == [
        mine.pk
    ]
    assert pmo.get("/api/v1/alerts/", {"status": "closed"}).json()["count"] == 0
    assert pmo.get("/api/v1/alerts/", {"rule": "milestone_late"}).json()["count"] == 0
    assert pmo.get("/api/v1/alerts/", {"severity": "critical"}).json()["count"] == 2
    assert pmo.get("/api/v1/alerts/", {"severity": "nonsense"}).status_code == 400


def test_acknowledge_then_close_records_who_and_refuses_a_second_time():
    manager = UserFactory(role=Role.PROJECT_MANAGER, username="cheffe")
    ProjectFactory(status=ProjectStatus.IN_PROGRESS, slippage_days=30, manager=manager)
    alerts_evaluate(TODAY)
    client = api(manager)
    alert_id = client.get("/api/v1/alerts/").json()["results"][0]["id"]
    body = client.post(f"/api/v1/alerts/{alert_id}/acknowledge/").json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"] and body["acknowledged_at"]
    assert client.post(f"/api/v1/alerts/{alert_id}/acknowledge/").status_code == 409
    body = client.post(f"/api/v1/alerts/{alert_id}/close/").json()
    assert body["status"] == "closed" and body["closed_by"]
    assert client.post(f"/api/v1/alerts/{alert_id}/close/").status_code == 409
