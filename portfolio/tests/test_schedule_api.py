"""The schedule API and selectors: ETag/If-Match, refusals naming tasks, constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portfolio.scheduling import selectors, services
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory

D = datetime.date


@pytest.fixture
def api(pmo_user):
    client = APIClient()
    client.force_authenticate(pmo_user)
    return client


@pytest.fixture
def project(db, manager_user):
    return ProjectFactory(manager=manager_user, planned_start=D(2025, 1, 6), planned_end=D(2025, 3, 28))


def build(project, n: int, *, assignee=None):
    """n tasks: phases of 3 sub-tasks chained finish-to-start, a milestone at the end."""
    tasks, links = [], []
    key = 0
    previous = None
    while key < n:
        phase = key
        tasks.append({"key": phase, "name": f"Phase {phase}"})
        key += 1
        for _ in range(3):
            if key >= n - 1:
                break
            tasks.append(
                {"key": key, "parent": phase, "name": f"Tâche {key}", "duration": 2, "assignee": assignee}
            )
            if previous is not None:
                links.append({"predecessor": previous, "successor": key})
            previous = key
            key += 1
        if key == n - 1:
            tasks.append({"key": key, "name": "Mise en production", "milestone": True})
            links.append({"predecessor": previous, "successor": key})
            key += 1
    return services.schedule_replace(project=project, actor=None, tasks=tasks, links=links)


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def test_gantt_payload_shape_and_equal_query_counts(project, api, make_user):
    assignee = make_user(first_name="Camille", last_name="Durand")
    build(project, 3, assignee=assignee)
    small = count_queries(lambda: api.get(f"/api/v1/projects/{project.pk}/gantt/"))
    other = ProjectFactory(planned_start=D(2025, 1, 6), planned_end=D(2025, 3, 28))
    build(other, 30, assignee=assignee)
    large = count_queries(lambda: api.get(f"/api/v1/projects/{other.pk}/gantt/"))
    assert small == large
    payload = api.get(f"/api/v1/projects/{other.pk}/gantt/").json()
    assert len(payload["rows"]) == 30 and payload["columns"][0] == "id"
    row = dict(zip(payload["columns"], payload["rows"][1], strict=True))
    assert row["wbs"] == "1.1" and row["assignee_name"] == "Camille Durand" and row["critical"] is True
    assert set(payload["link_columns"]) == {"id", "predecessor_id", "successor_id", "type", "lag", "version"}
    assert payload["can_edit"] is True and "2025-01-11" in payload["non_working"]
    assert (
        payload["project"]["forecast_finish"]
        == Task.objects.filter(project=other).order_by("-finish")[0].finish.isoformat()
    )


def test_gantt_payload_selector_equal_queries(project):
    build(project, 3)
    small = count_queries(lambda: selectors.gantt_payload(project))
    other = ProjectFactory()
    build(other, 30)
    assert count_queries(lambda: selectors.gantt_payload(other)) == small


def test_task_list_equal_query_counts_and_filters(project, api, make_user):
    assignee = make_user()
    build(project, 3, assignee=assignee)
    small = count_queries(lambda: api.get(f"/api/v1/projects/{project.pk}/tasks/"))
    other = ProjectFactory()
    build(other, 30, assignee=assignee)
    assert count_queries(lambda: api.get(f"/api/v1/projects/{other.pk}/tasks/")) == small
    milestones = api.get(f"/api/v1/projects/{other.pk}/tasks/?milestone=true").json()["results"]
    assert [t["name"] for t in milestones] == ["Mise en production"]
    top = api.get(f"/api/v1/projects/{other.pk}/tasks/?parent=0").json()["results"]
    assert all(t["parent"] is None for t in top)
    found = api.get(f"/api/v1/projects/{other.pk}/tasks/?q=production").json()["results"]
    assert len(found) == 1
    assert api.get(f"/api/v1/projects/{other.pk}/tasks/?status=nope").status_code == 400


def test_patch_with_if_match_and_stale_is_412(project, api):
    created = build(project, 5)
    task = created[1]
    response = api.get(f"/api/v1/tasks/{task.pk}/")
    etag = response["ETag"]
    response = api.patch(f"/api/v1/tasks/{task.pk}/", {"duration": 4}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert response.json()["duration"] == 4
    stale = api.patch(f"/api/v1/tasks/{task.pk}/", {"duration": 1}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Task.objects.get(pk=task.pk).duration == 4


def test_cycle_refused_with_task_names(project, api):
    created = build(project, 5)
    response = api.post(
        f"/api/v1/projects/{project.pk}/links/",
        {"predecessor": created[3].pk, "successor": created[1].pk},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "cycle" and "Tâche 1" in body["detail"] and created[1].pk in body["task_ids"]


def test_summary_dates_refused(project, api):
    created = build(project, 5)
    response = api.patch(f"/api/v1/tasks/{created[0].pk}/", {"start": "2025-02-03"}, format="json")
    assert response.status_code == 400


def test_create_move_and_delete(project, api):
    created = build(project, 5)
    response = api.post(
        f"/api/v1/projects/{project.pk}/tasks/",
        {"name": "Recette", "duration": 3, "parent": created[0].pk, "position": 0},
        format="json",
    )
    assert response.status_code == 201 and response.json()["wbs"] == "1.1" and response.has_header("ETag")
    new = response.json()["id"]
    response = api.post(
        f"/api/v1/projects/{project.pk}/tasks/reorder/",
        {"moves": [{"id": new, "parent_id": None, "position": 5}]},
        format="json",
    )
    assert response.status_code == 200
    assert Task.objects.get(pk=new).wbs == "3"
    assert api.delete(f"/api/v1/tasks/{new}/").status_code == 204


def test_calendar_exception_crud(project, api):
    response = api.post(
        "/api/v1/calendar-exceptions/",
        {"project": project.pk, "name": "Fermeture", "start": "2025-01-06", "end": "2025-01-10"},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    listed = api.get(f"/api/v1/calendar-exceptions/?project={project.pk}").json()["results"]
    assert [e["id"] for e in listed] == [pk]
    assert api.get("/api/v1/calendar-exceptions/?organisation=true").json()["results"] == []
    etag = api.get(f"/api/v1/calendar-exceptions/{pk}/")["ETag"]
    response = api.patch(
        f"/api/v1/calendar-exceptions/{pk}/", {"end": "2025-01-03"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert api.delete(f"/api/v1/calendar-exceptions/{pk}/", HTTP_IF_MATCH=etag).status_code == 204
