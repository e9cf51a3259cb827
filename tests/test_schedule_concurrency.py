"""Concurrent schedule writes against a real threaded server: API clients edit tasks of one project at
the same time (durations, progress, links). Every answer is 2xx/400/409/412, never 5xx; the project's
lock serialises the re-schedules, so the stored dates are exactly the scheduler's for the final inputs."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest

from portfolio.scheduling import services
from portfolio.scheduling.engine import Link, LinkType, schedule
from portfolio.scheduling.engine import Task as EngineTask
from portfolio.scheduling.models import Task, TaskLink
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import DirectorateFactory, UserFactory
from tests.test_concurrent_writes import _send

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_task_edits_keep_the_schedule_consistent(live_server):
    pmo = UserFactory(username="pmo-concurrent", role=Role.PROJECT_OFFICE)
    _token, raw = api_token_create(user=pmo, name="concurrency")
    headers = {"Authorization": f"Token {raw}"}
    project = ProjectFactory(
        directorate=DirectorateFactory(),
        planned_start=datetime.date(2025, 1, 6),
        planned_end=datetime.date(2025, 6, 30),
    )
    created = services.schedule_replace(
        project=project,
        actor=None,
        tasks=[{"key": k, "name": f"Tâche {k}", "duration": 3} for k in range(12)],
        links=[{"predecessor": k, "successor": k + 1} for k in range(11)],
    )
    ids = [created[k].pk for k in range(12)]

    def edit(n: int) -> int:
        task_id = ids[n % len(ids)]
        url = f"{live_server.url}/api/v1/tasks/{task_id}/"
        current = _send("GET", url, headers=headers)
        body = {"duration": 1 + n % 5} if n % 2 else {"percent_complete": (n * 7) % 100}
        response = _send("PATCH", url, json=body, headers={**headers, "If-Match": current.headers["ETag"]})
        return response.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(edit, range(36)))
    assert set(statuses) <= {200, 400, 409, 412}, statuses
    assert statuses.count(200) >= 12

    # The stored dates are the scheduler's for the stored inputs: no re-schedule was lost.
    rows = list(Task.objects.filter(project=project).order_by("pk"))
    tasks = [EngineTask(id=t.pk, name=t.name, duration=t.duration) for t in rows]
    links = [
        Link(link.predecessor_id, link.successor_id, LinkType(link.type), link.lag)
        for link in TaskLink.objects.filter(project=project)
    ]
    expected = schedule(
        tasks, links, calendar=services.project_calendar(project), project_start=project.planned_start
    )
    for task in rows:
        assert (task.start, task.finish) == (
            expected.tasks[task.pk].early_start,
            expected.tasks[task.pk].early_finish,
        )
    project.refresh_from_db()
    assert project.forecast_finish == expected.finish
