"""Baselines over the API: list, create, retrieve, delete, compare; permissions; constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio.models import Baseline, PortfolioBaseline, Task
from portfolio.scheduling import baselines
from portfolio.tests.factories import ProjectFactory
from portfolio.tests.test_scheduling_baselines import make_tasks

D = datetime.date


@pytest.fixture
def project(manager_user):
    return ProjectFactory(manager=manager_user, status="in_progress")


def test_create_list_compare_delete(api_client, project, manager_user, pmo_user):
    tasks = make_tasks(project, 3)
    api_client.force_authenticate(manager_user)
    url = f"/api/v1/projects/{project.pk}/baselines/"
    response = api_client.post(url, {"name": "COPIL de lancement", "note": ""}, format="json")
    assert response.status_code == 201, response.content
    baseline_id = response.json()["id"]
    assert response.json()["task_count"] == 3
    assert api_client.get(url).json()["results"][0]["name"] == "COPIL de lancement"

    Task.objects.filter(pk=tasks[0].pk).update(finish=tasks[0].finish + datetime.timedelta(days=3))
    body = api_client.get(f"/api/v1/baselines/{baseline_id}/compare/?with=today").json()
    assert body["compared_with"] == "today"
    row = dict(zip(body["columns"], body["rows"][0], strict=True))
    assert row["task_id"] == tasks[0].pk and row["finish_drift"] == 1  # Friday → Monday
    assert body["summary"]["moved"] == 1

    assert api_client.get(f"/api/v1/baselines/{baseline_id}/compare/?with=abc").status_code == 400
    assert api_client.get(f"/api/v1/baselines/{baseline_id}/compare/?with=999999").status_code == 404
    assert api_client.get("/api/v1/baselines/abc/").status_code == 404

    assert api_client.delete(f"/api/v1/baselines/{baseline_id}/").status_code == 403
    api_client.force_authenticate(pmo_user)
    assert api_client.delete(f"/api/v1/baselines/{baseline_id}/").status_code == 204
    assert not Baseline.objects.exists()


def test_compare_two_baselines(api_client, project, manager_user):
    make_tasks(project, 2)
    a = baselines.baseline_take(actor=manager_user, project=project, name="A")
    Task.objects.create(project=project, wbs="3", name="Recette", start=D(2026, 5, 4), finish=D(2026, 5, 8))
    b = baselines.baseline_take(actor=manager_user, project=project, name="B")
    api_client.force_authenticate(manager_user)
    body = api_client.get(f"/api/v1/baselines/{a.pk}/compare/?with={b.pk}").json()
    assert body["summary"]["added"] == 1
    other = baselines.baseline_take(
        actor=manager_user, project=ProjectFactory(manager=manager_user), name="C"
    )
    assert api_client.get(f"/api/v1/baselines/{a.pk}/compare/?with={other.pk}").status_code == 400


@pytest.mark.parametrize(
    "bad", [{"name": ""}, {"name": "x" * 201}, {"name": "a\x00b"}, {}, {"name": 12, "note": []}]
)
def test_bad_input_is_400(api_client, project, manager_user, bad):
    api_client.force_authenticate(manager_user)
    assert api_client.post(f"/api/v1/projects/{project.pk}/baselines/", bad, format="json").status_code == 400


def test_reader_reads_but_does_not_take(api_client, project, make_user):
    api_client.force_authenticate(make_user("reader"))
    url = f"/api/v1/projects/{project.pk}/baselines/"
    assert api_client.get(url).status_code == 200
    assert api_client.post(url, {"name": "x"}, format="json").status_code == 403
    assert api_client.post("/api/v1/portfolio-baselines/", {"name": "x"}, format="json").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(url).status_code == 401


def test_portfolio_baselines(api_client, project, pmo_user):
    make_tasks(project, 5)
    api_client.force_authenticate(pmo_user)
    response = api_client.post("/api/v1/portfolio-baselines/", {"name": "COPIL T1"}, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    body = api_client.get(f"/api/v1/portfolio-baselines/{pk}/compare/").json()
    row = dict(zip(body["columns"], body["rows"][0], strict=True))
    assert row["project_id"] == project.pk and row["status"] == "same"
    assert api_client.delete(f"/api/v1/portfolio-baselines/{pk}/").status_code == 204
    assert not PortfolioBaseline.objects.exists()


def _queries(api_client, url):
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow(api_client, project, manager_user, pmo_user):
    api_client.force_authenticate(pmo_user)
    make_tasks(project, 3)
    for i in range(3):
        baselines.baseline_take(actor=manager_user, project=project, name=f"B{i}")
    first = Baseline.objects.order_by("pk").first()
    urls = [f"/api/v1/projects/{project.pk}/baselines/", f"/api/v1/baselines/{first.pk}/compare/"]
    for _ in range(3):
        make_tasks(ProjectFactory(), 3)
    portfolio = baselines.portfolio_baseline_take(actor=pmo_user, name="P")
    urls += ["/api/v1/portfolio-baselines/", f"/api/v1/portfolio-baselines/{portfolio.pk}/compare/"]
    small = [_queries(api_client, url) for url in urls]

    make_tasks(project, 27, start=D(2026, 9, 7))
    for i in range(27):
        baselines.baseline_take(actor=manager_user, project=project, name=f"C{i}")
        make_tasks(ProjectFactory(), 3)
    for i in range(27):
        baselines.portfolio_baseline_take(actor=pmo_user, name=f"P{i}")
    assert [_queries(api_client, url) for url in urls] == small
