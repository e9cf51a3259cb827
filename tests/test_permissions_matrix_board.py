"""Permissions matrix of the boards: role × card ownership → exact HTTP status, pages and API.

"assigned": the task is assigned to the acting user; "unassigned": nobody's. The project is managed by
the "manager" user. Contributors (any role but reader) move their own cards; the project office,
administrators and the project's manager move every card; everyone signed in reads the boards.
For every refused move the card is checked unmoved, for every allowed one moved.
"""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio.scheduling import services
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory
from tests.helpers import build_world

ROLES = ("admin", "pmo", "committee", "manager", "contributor", "reader", "anonymous")
NA = None

# fmt: off
EXPECTED = [
    # kind   action        owner         admin pmo  committee manager contributor reader anonymous
    ("page", "task_board", "-",          200,  200, 200,      200,    200,        200,   302),
    ("page", "portfolio",  "-",          200,  200, 200,      200,    200,        200,   302),
    ("page", "move",       "assigned",   302,  302, 302,      302,    302,        403,   NA),
    ("page", "move",       "unassigned", 302,  302, 403,      302,    403,        403,   302),
    ("api",  "move",       "assigned",   200,  200, 200,      200,    200,        403,   NA),
    ("api",  "move",       "unassigned", 200,  200, 403,      200,    403,        403,   401),
]
# fmt: on


def _cases():
    for kind, action, owner, *statuses in EXPECTED:
        for role, expected in zip(ROLES, statuses, strict=True):
            if expected is not NA:
                yield pytest.param(role, kind, action, owner, expected, id=f"{role}-{kind}-{action}-{owner}")


@pytest.mark.parametrize(("role", "kind", "action", "owner", "expected"), list(_cases()))
def test_board_matrix(db, role, kind, action, owner, expected):
    world = build_world(with_projects=False)
    pmo = world.user("pmo")
    project = ProjectFactory(
        code="BOARD-1",
        manager=world.user("manager"),
        status="in_progress",
        planned_start=datetime.date(2025, 1, 6),
        planned_end=datetime.date(2025, 12, 19),
    )
    user = None if role == "anonymous" else world.user(role)
    task = services.task_create(
        actor=pmo, project=project, name="Carte", assignee=user if owner == "assigned" else None
    )
    task = Task.objects.get(pk=task.pk)
    if kind == "page":
        from django.test import Client

        client = Client()
        if user:
            client.force_login(user)
        if action == "task_board":
            response = client.get(reverse("portfolio:task_board", args=[project.pk]))
        elif action == "portfolio":
            response = client.get(reverse("portfolio:portfolio_board"))
        else:
            response = client.post(
                reverse("portfolio:task_board_move", args=[project.pk, task.pk]),
                {"board_status": "blocked", "place": "top", "version": task.version},
            )
    else:
        client = APIClient()
        if user:
            client.force_authenticate(user)
        response = client.post(
            reverse("api:task-move", args=[task.pk]),
            {"board_status": "blocked"},
            format="json",
            HTTP_IF_MATCH=f'"{task.pk}-{task.version}"',
        )
    assert response.status_code == expected, response.content[:300]
    if action == "move":
        moved = Task.objects.get(pk=task.pk).board_status == "blocked"
        assert moved == (expected in (200, 302) and user is not None)
