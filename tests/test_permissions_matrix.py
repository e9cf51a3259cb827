"""Permissions matrix: role × action × project ownership → exact HTTP status, pages and API.

The expected tables below are the specification; the tests are generated from them. For every
allowed write the test checks the change happened, for every refused one that nothing changed
(the project is reloaded from the database).

Ownership: "own" = the acting user is the project's manager; "other" = another project manager
manages it; "-" = the action is not about one project. The role decides, not the assignment alone:
a committee member, contributor or reader named as a project's manager still only reads it.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio.models import Project, ProjectStatusChange
from portfolio.tests.factories import ProjectFactory
from ppm.services import api_token_create
from tests.helpers import OTHER_MANAGER

ROLES = ("admin", "pmo", "committee", "manager", "contributor", "reader", "anonymous")
NA = None  # not applicable (an anonymous visitor manages no project)

# fmt: off
PAGE_EXPECTED = [
    # action        owner    admin pmo  committee manager contributor reader anonymous
    ("list",        "-",     200,  200, 200,      200,    200,        200,   302),
    ("export_csv",  "-",     200,  200, 200,      200,    200,        200,   302),
    ("detail",      "own",   200,  200, 200,      200,    200,        200,   NA),
    ("detail",      "other", 200,  200, 200,      200,    200,        200,   302),
    ("create_form", "-",     200,  200, 403,      403,    403,        403,   302),
    ("create",      "-",     302,  302, 403,      403,    403,        403,   302),
    ("edit_form",   "own",   200,  200, 403,      200,    403,        403,   NA),
    ("edit_form",   "other", 200,  200, 403,      403,    403,        403,   302),
    ("edit",        "own",   302,  302, 403,      302,    403,        403,   NA),
    ("edit",        "other", 302,  302, 403,      403,    403,        403,   302),
    ("transition",  "own",   302,  302, 403,      302,    403,        403,   NA),
    ("transition",  "other", 302,  302, 403,      403,    403,        403,   302),
]

API_EXPECTED = [
    # action        owner    admin pmo  committee manager contributor reader anonymous
    ("list",        "-",     200,  200, 200,      200,    200,        200,   401),
    ("detail",      "own",   200,  200, 200,      200,    200,        200,   NA),
    ("detail",      "other", 200,  200, 200,      200,    200,        200,   401),
    ("create",      "-",     201,  201, 403,      403,    403,        403,   401),
    ("patch",       "own",   200,  200, 403,      200,    403,        403,   NA),
    ("patch",       "other", 200,  200, 403,      403,    403,        403,   401),
    ("transition",  "own",   200,  200, 403,      200,    403,        403,   NA),
    ("transition",  "other", 200,  200, 403,      403,    403,        403,   401),
    ("me",          "-",     200,  200, 200,      200,    200,        200,   401),
]
# fmt: on

WRITE_ACTIONS = {"create", "edit", "patch", "transition"}
NEW_CODE = "NEW-2030"
NEW_NAME = "Renamed by the matrix"


def _cases(table):
    for action, owner, *statuses in table:
        for role, expected in zip(ROLES, statuses, strict=True):
            if expected is not NA:
                yield pytest.param(role, action, owner, expected, id=f"{role}-{action}-{owner}")


@dataclass
class Snapshot:
    """What a write could change: compared before and after every request."""

    projects: int
    name: str
    version: int
    status: str
    status_changes: int

    @classmethod
    def take(cls, project):
        project.refresh_from_db()
        return cls(
            projects=Project.objects.count(),
            name=project.name,
            version=project.version,
            status=project.status,
            status_changes=ProjectStatusChange.objects.filter(project=project).count(),
        )


@pytest.fixture
def setup(world):
    """Returns a function (role, owner) → (acting user or None, target project)."""

    def _setup(role, owner):
        user = None if role == "anonymous" else world.user(role)
        manager = user if owner == "own" else world.user(OTHER_MANAGER)
        project = ProjectFactory(
            code="MATRIX-1",
            name="Matrix project",
            directorate=world.directorates[0],
            manager=manager,
            planned_start=datetime.date(2025, 3, 3),
            planned_end=datetime.date(2025, 12, 19),
            objectives=[world.objectives[0]],
        )
        return user, project

    return _setup


def _assert_effect(action, before, after, allowed, project):
    if not allowed:
        assert after == before, f"a refused {action} changed something: {before} → {after}"
        return
    if action == "create":
        assert after.projects == before.projects + 1
        assert Project.objects.filter(code=NEW_CODE).exists()
    elif action in {"edit", "patch"}:
        assert after.name == NEW_NAME
        assert after.version == before.version + 1
        assert after.status == before.status
    elif action == "transition":
        assert after.status == "framing"
        assert after.status_changes == before.status_changes + 1
        assert ProjectStatusChange.objects.filter(project=project, action="start_framing").exists()


# ---------------------------------------------------------------------------------------- pages


def _edit_form_data(project, world):
    return {
        "code": project.code,
        "name": NEW_NAME,
        "description": project.description,
        "directorate": project.directorate_id,
        "manager": project.manager_id or "",
        "planned_start": project.planned_start.isoformat(),
        "planned_end": project.planned_end.isoformat(),
        "priority": project.priority,
        "objectives": [o.pk for o in project.objectives.all()],
        "tags": "",
        "version": project.version,
    }


def _create_form_data(world):
    return {
        "code": NEW_CODE,
        "name": "Created by the matrix",
        "description": "",
        "directorate": world.directorates[0].pk,
        "manager": world.user("manager").pk,
        "planned_start": "2030-01-07",
        "planned_end": "2030-12-20",
        "priority": 3,
        "objectives": [world.objectives[0].pk],
        "tags": "",
    }


def _page_request(client, action, project, world):
    if action == "list":
        return client.get(reverse("portfolio:project_list"))
    if action == "export_csv":
        return client.get(reverse("portfolio:project_export", kwargs={"fmt": "csv"}))
    if action == "detail":
        return client.get(reverse("portfolio:project_detail", kwargs={"pk": project.pk}))
    if action == "create_form":
        return client.get(reverse("portfolio:project_create"))
    if action == "create":
        return client.post(reverse("portfolio:project_create"), _create_form_data(world))
    if action == "edit_form":
        return client.get(reverse("portfolio:project_edit", kwargs={"pk": project.pk}))
    if action == "edit":
        return client.post(
            reverse("portfolio:project_edit", kwargs={"pk": project.pk}), _edit_form_data(project, world)
        )
    if action == "transition":
        return client.post(
            reverse("portfolio:project_transition", kwargs={"pk": project.pk}),
            {"action": "start_framing", "version": project.version, "comment": "matrix"},
        )
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "owner", "expected"), list(_cases(PAGE_EXPECTED)))
def test_page_permissions(client, world, setup, role, action, owner, expected):
    user, project = setup(role, owner)
    if user is not None:
        client.force_login(user)
    before = Snapshot.take(project)

    response = _page_request(client, action, project, world)

    assert response.status_code == expected, (
        f"{role} {action} ({owner}): expected {expected}, got {response.status_code}"
    )
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login")), response["Location"]
    elif expected == 302:
        target = Project.objects.get(code=NEW_CODE) if action == "create" else project
        assert response["Location"] == reverse("portfolio:project_detail", kwargs={"pk": target.pk})
    if action == "export_csv" and expected == 200:
        assert response["Content-Type"].startswith("text/csv")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"MATRIX-1" in body
    if action in WRITE_ACTIONS:
        _assert_effect(action, before, Snapshot.take(project), expected == 302 and user is not None, project)


# ------------------------------------------------------------------------------------------ API


def _api_request(client, action, project, world):
    base = "/api/v1/projects/"
    if action == "list":
        return client.get(base)
    if action == "detail":
        return client.get(f"{base}{project.pk}/")
    if action == "create":
        return client.post(
            base,
            {
                "code": NEW_CODE,
                "name": "Created through the API",
                "directorate": world.directorates[0].pk,
                "manager": world.user("manager").pk,
                "planned_start": "2030-01-07",
                "planned_end": "2030-12-20",
                "objectives": [world.objectives[0].pk],
            },
            format="json",
        )
    if action == "patch":
        return client.patch(f"{base}{project.pk}/", {"name": NEW_NAME}, format="json")
    if action == "transition":
        return client.post(f"{base}{project.pk}/transition/", {"action": "start_framing"}, format="json")
    if action == "me":
        return client.get("/api/v1/users/me/")
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "owner", "expected"), list(_cases(API_EXPECTED)))
def test_api_permissions(world, setup, role, action, owner, expected):
    user, project = setup(role, owner)
    client = APIClient()
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    before = Snapshot.take(project)

    response = _api_request(client, action, project, world)

    assert response.status_code == expected, (
        f"{role} {action} ({owner}): expected {expected}, got {response.status_code}: "
        f"{getattr(response, 'data', response.content)!r}"
    )
    if expected in (401, 403):
        assert "detail" in response.json(), "a refusal explains itself"
    if action == "me" and expected == 200:
        assert response.json()["username"] == user.username
        assert response.json()["role"] == role
    if action == "detail" and expected == 200:
        assert response.json()["code"] == "MATRIX-1"
    if action == "list" and expected == 200:
        assert "MATRIX-1" in [row["code"] for row in response.json()["results"]]
    if action in WRITE_ACTIONS:
        _assert_effect(action, before, Snapshot.take(project), expected in (200, 201), project)


# ------------------------------------------------------------------------------------- schedule API
# Ownership for the schedule: "own" = the acting user manages the project (when a project manager) and
# the task is assigned to them (any role); "other" = another project manager manages it and the task is
# assigned to nobody. Contributors (and any role but reader) update the progress of their own tasks.

# fmt: off
SCHEDULE_API_EXPECTED = [
    # action             owner    admin pmo  committee manager contributor reader anonymous
    ("task_list",        "other", 200,  200, 200,      200,    200,        200,   401),
    ("task_detail",      "other", 200,  200, 200,      200,    200,        200,   401),
    ("gantt",            "other", 200,  200, 200,      200,    200,        200,   401),
    ("link_list",        "other", 200,  200, 200,      200,    200,        200,   401),
    ("task_create",      "own",   201,  201, 403,      201,    403,        403,   NA),
    ("task_create",      "other", 201,  201, 403,      403,    403,        403,   401),
    ("task_patch",       "own",   200,  200, 403,      200,    403,        403,   NA),
    ("task_patch",       "other", 200,  200, 403,      403,    403,        403,   401),
    ("task_progress",    "own",   200,  200, 200,      200,    200,        403,   NA),
    ("task_progress",    "other", 200,  200, 403,      403,    403,        403,   401),
    ("task_delete",      "own",   204,  204, 403,      204,    403,        403,   NA),
    ("task_delete",      "other", 204,  204, 403,      403,    403,        403,   401),
    ("task_reorder",     "own",   200,  200, 403,      200,    403,        403,   NA),
    ("task_reorder",     "other", 200,  200, 403,      403,    403,        403,   401),
    ("link_create",      "own",   201,  201, 403,      201,    403,        403,   NA),
    ("link_create",      "other", 201,  201, 403,      403,    403,        403,   401),
    ("link_patch",       "other", 200,  200, 403,      403,    403,        403,   401),
    ("link_delete",      "own",   204,  204, 403,      204,    403,        403,   NA),
    ("link_delete",      "other", 204,  204, 403,      403,    403,        403,   401),
    ("closure_org",      "-",     201,  201, 403,      403,    403,        403,   401),
    ("closure_project",  "own",   201,  201, 403,      201,    403,        403,   NA),
    ("closure_project",  "other", 201,  201, 403,      403,    403,        403,   401),
]
# fmt: on


@dataclass
class ScheduleSnapshot:
    tasks: int
    links: int
    closures: int
    name: str
    version: int
    percent: int
    positions: tuple
    lag: int

    @classmethod
    def take(cls, project):
        from portfolio.scheduling.models import CalendarException, Task, TaskLink

        first = Task.objects.filter(project=project).order_by("pk").first()
        link = TaskLink.objects.filter(project=project).order_by("pk").first()
        return cls(
            tasks=Task.objects.filter(project=project).count(),
            links=TaskLink.objects.filter(project=project).count(),
            closures=CalendarException.objects.count(),
            name=first.name if first else "",
            version=first.version if first else 0,
            percent=first.percent_complete if first else 0,
            positions=tuple(
                Task.objects.filter(project=project).order_by("pk").values_list("position", flat=True)
            ),
            lag=link.lag if link else 0,
        )


def _schedule_request(client, action, project, tasks):
    first, second, third = tasks
    link = project.task_links.order_by("pk").first()
    if action == "task_list":
        return client.get(f"/api/v1/projects/{project.pk}/tasks/")
    if action == "task_detail":
        return client.get(f"/api/v1/tasks/{first.pk}/")
    if action == "gantt":
        return client.get(f"/api/v1/projects/{project.pk}/gantt/")
    if action == "link_list":
        return client.get(f"/api/v1/projects/{project.pk}/links/")
    if action == "task_create":
        return client.post(f"/api/v1/projects/{project.pk}/tasks/", {"name": "Recette"}, format="json")
    if action == "task_patch":
        return client.patch(f"/api/v1/tasks/{first.pk}/", {"name": NEW_NAME}, format="json")
    if action == "task_progress":
        return client.patch(f"/api/v1/tasks/{first.pk}/", {"percent_complete": 40}, format="json")
    if action == "task_delete":
        return client.delete(f"/api/v1/tasks/{third.pk}/")
    if action == "task_reorder":
        return client.post(
            f"/api/v1/projects/{project.pk}/tasks/reorder/",
            {"moves": [{"id": third.pk, "parent_id": None, "position": 0}]},
            format="json",
        )
    if action == "link_create":
        return client.post(
            f"/api/v1/projects/{project.pk}/links/",
            {"predecessor": second.pk, "successor": third.pk, "type": "SS"},
            format="json",
        )
    if action == "link_patch":
        return client.patch(f"/api/v1/links/{link.pk}/", {"lag": 2}, format="json")
    if action == "link_delete":
        return client.delete(f"/api/v1/links/{link.pk}/")
    if action == "closure_org":
        return client.post(
            "/api/v1/calendar-exceptions/",
            {"name": "Pont", "start": "2025-05-02", "end": "2025-05-02"},
            format="json",
        )
    if action == "closure_project":
        return client.post(
            "/api/v1/calendar-exceptions/",
            {"project": project.pk, "name": "Fermeture", "start": "2025-08-04", "end": "2025-08-08"},
            format="json",
        )
    raise AssertionError(action)


def _schedule_effect(action, before, after, allowed):
    if not allowed or action in {"task_list", "task_detail", "gantt", "link_list"}:
        assert after == before, f"{action} changed something: {before} → {after}"
        return
    expected = {
        "task_create": lambda: after.tasks == before.tasks + 1,
        "task_patch": lambda: after.name == NEW_NAME and after.version == before.version + 1,
        "task_progress": lambda: after.percent == 40 and after.version == before.version + 1,
        "task_delete": lambda: after.tasks == before.tasks - 1,
        "task_reorder": lambda: after.positions != before.positions,
        "link_create": lambda: after.links == before.links + 1,
        "link_patch": lambda: after.lag == 2,
        "link_delete": lambda: after.links == before.links - 1,
        "closure_org": lambda: after.closures == before.closures + 1,
        "closure_project": lambda: after.closures == before.closures + 1,
    }[action]
    assert expected(), f"{action} did not apply: {before} → {after}"


@pytest.mark.parametrize(("role", "action", "owner", "expected"), list(_cases(SCHEDULE_API_EXPECTED)))
def test_schedule_api_permissions(world, setup, role, action, owner, expected):
    from portfolio.scheduling import services as schedule_services

    user, project = setup(role, owner)
    created = schedule_services.schedule_replace(
        project=project,
        actor=None,
        tasks=[
            {"key": 1, "name": "Cadrage", "duration": 5, "assignee": user if owner == "own" else None},
            {"key": 2, "name": "Conception", "duration": 10},
            {"key": 3, "name": "Mise en production", "milestone": True},
        ],
        links=[{"predecessor": 1, "successor": 2}],
    )
    tasks = [created[1], created[2], created[3]]
    client = APIClient()
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    before = ScheduleSnapshot.take(project)

    response = _schedule_request(client, action, project, tasks)

    assert response.status_code == expected, (
        f"{role} {action} ({owner}): expected {expected}, got {response.status_code}: "
        f"{getattr(response, 'data', response.content)!r}"
    )
    if expected in (401, 403):
        assert "detail" in response.json(), "a refusal explains itself"
    _schedule_effect(action, before, ScheduleSnapshot.take(project), expected in (200, 201, 204))
