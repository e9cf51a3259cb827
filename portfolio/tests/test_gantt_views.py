"""Gantt and roadmap pages, the Gantt PDF request: who may do what (role × ownership), the payload's
`can_edit` by role, bad input, and the page's query count at 3 and 30 tasks."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.scheduling import services
from portfolio.tests.factories import ProjectFactory
from ppm.models import ReportJob
from tests.helpers import OTHER_MANAGER, build_world

pytestmark = pytest.mark.django_db

ROLES = ("admin", "pmo", "committee", "manager", "contributor", "reader", "anonymous")

# fmt: off
EXPECTED = [
    # action        owner    admin pmo  committee manager contributor reader anonymous
    ("gantt",       "own",   200,  200, 200,      200,    200,        200,   None),
    ("gantt",       "other", 200,  200, 200,      200,    200,        200,   302),
    ("roadmap",     "-",     200,  200, 200,      200,    200,        200,   302),
    ("roadmap_api", "-",     200,  200, 200,      200,    200,        200,   401),
    ("gantt_pdf",   "other", 302,  302, 302,      302,    302,        302,   302),
]
# Who sees an editable Gantt (the payload's can_edit): the schedule's editors.
EDITORS = {("admin", "own"), ("pmo", "own"), ("manager", "own"), ("admin", "other"), ("pmo", "other")}
# fmt: on


def _cases():
    for action, owner, *statuses in EXPECTED:
        for role, expected in zip(ROLES, statuses, strict=True):
            if expected is not None:
                yield pytest.param(role, action, owner, expected, id=f"{action}-{owner}-{role}")


@pytest.fixture
def world():
    return build_world(with_projects=False)


def _project(world, user, owner):
    manager = user if owner == "own" and user is not None else world.user(OTHER_MANAGER)
    project = ProjectFactory(
        directorate=world.directorates[0], manager=manager, planned_start=datetime.date(2026, 3, 2)
    )
    services.task_create(actor=None, project=project, name="Cadrage", duration=5)
    return project


@pytest.mark.parametrize(("role", "action", "owner", "expected"), _cases())
def test_permissions(world, role, action, owner, expected):
    user = None if role == "anonymous" else world.user(role)
    project = _project(world, user, owner)
    client = Client()
    if user is not None:
        client.force_login(user)
    if action == "gantt":
        response = client.get(reverse("portfolio:project_gantt", args=[project.pk]))
    elif action == "roadmap":
        response = client.get(reverse("portfolio:roadmap"))
    elif action == "roadmap_api":
        response = client.get("/api/v1/roadmap/")
    else:
        response = client.post(
            reverse("report_job_request", kwargs={"kind": "gantt_pdf"}),
            {"object": project.pk, "zoom": "week", "paper": "A4"},
        )
        assert ReportJob.objects.filter(kind="gantt_pdf").exists() == (user is not None)
    assert response.status_code == expected
    if action == "gantt" and expected == 200:
        assert response.context["payload"]["can_edit"] is ((role, owner) in EDITORS)


def test_gantt_page_query_count_is_the_same_at_3_and_30_tasks(world):
    client = Client()
    client.force_login(world.user("pmo"))
    counts = []
    for n in (3, 30):
        project = _project(world, None, "other")
        for i in range(n - 1):
            services.task_create(actor=None, project=project, name=f"Tâche {i}", duration=2)
        url = reverse("portfolio:project_gantt", args=[project.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["payload"]["rows"]) == n
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1] <= 15, counts


def test_bad_input_never_500(world):
    project = _project(world, None, "other")
    client = Client()
    client.force_login(world.user("pmo"))
    url = reverse("portfolio:project_gantt", args=[project.pk])
    for query in ({"baseline": "x\x00"}, {"baseline": "99999999999999999999"}, {"zoom": "<script>"}):
        assert client.get(url, query).status_code == 200
    assert client.get(reverse("portfolio:project_gantt", args=[999999])).status_code == 404
    assert client.get(reverse("portfolio:roadmap"), {"objective": "99999999999999999999"}).status_code == 200
    assert client.get("/api/v1/roadmap/", {"baseline": "99999999999999999999"}).status_code == 400
