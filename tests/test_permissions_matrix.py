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
from django.core.files.uploadedfile import SimpleUploadedFile
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
    ("schedule_import_form", "own",   200, 200, 403, 200, 403, 403, NA),
    ("schedule_import_form", "other", 200, 200, 403, 403, 403, 403, 302),
    ("schedule_import",      "own",   200, 200, 403, 200, 403, 403, NA),
    ("schedule_import",      "other", 200, 200, 403, 403, 403, 403, 302),
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
    ("schedule_import", "own",   201, 201, 403, 201, 403, 403, NA),
    ("schedule_import", "other", 201, 201, 403, 403, 403, 403, 401),
    ("schedule_export", "other", 200, 200, 200, 200, 200, 200, 401),
]
# fmt: on

WRITE_ACTIONS = {"create", "edit", "patch", "transition", "schedule_import"}
# A one-task MS Project file (portfolio/scheduling/mspdi.py) for the schedule import rows.
MSPDI_FILE = (
    b'<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><UID>1</UID><Name>Matrix task</Name>'
    b"<OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration></Task></Tasks></Project>"
)
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
    tasks: int

    @classmethod
    def take(cls, project):
        project.refresh_from_db()
        return cls(
            projects=Project.objects.count(),
            name=project.name,
            version=project.version,
            status=project.status,
            status_changes=ProjectStatusChange.objects.filter(project=project).count(),
            tasks=project.tasks.count(),
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
    elif action == "schedule_import":
        assert after.tasks == before.tasks + 1


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
    if action == "schedule_import_form":
        return client.get(reverse("portfolio:schedule_import", kwargs={"pk": project.pk}))
    if action == "schedule_import":
        upload = SimpleUploadedFile("plan.xml", MSPDI_FILE, content_type="application/xml")
        return client.post(reverse("portfolio:schedule_import", kwargs={"pk": project.pk}), {"file": upload})
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
        # The schedule import page answers 200 with its report when it imported.
        done = expected == 302 or (action == "schedule_import" and expected == 200)
        _assert_effect(action, before, Snapshot.take(project), done and user is not None, project)


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
    if action == "schedule_import":
        upload = SimpleUploadedFile("plan.xml", MSPDI_FILE, content_type="application/xml")
        return client.post(f"{base}{project.pk}/schedule/import/", {"file": upload}, format="multipart")
    if action == "schedule_export":
        return client.get(f"{base}{project.pk}/schedule/export/")
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
