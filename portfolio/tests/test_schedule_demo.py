"""The demo schedules: every framing/approved/in-progress/closed project gets a French WBS, deterministic."""

import datetime

import pytest

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.scheduling.demo import SCHEDULED_STATUSES, load_demo_schedules
from portfolio.scheduling.models import Task, TaskLink
from portfolio.tests.factories import ProjectFactory

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def projects(db, manager_user):
    return [
        ProjectFactory(
            manager=manager_user,
            status=status,
            planned_start=datetime.date(2025, 9, 1),
            planned_end=datetime.date(2026, 12, 31),
        )
        for status in (*SCHEDULED_STATUSES, ProjectStatus.DEMAND)
    ]


def test_demo_schedules(projects, pmo_user):
    created = load_demo_schedules(today=TODAY, actor=pmo_user)
    assert created["schedules"] == 4
    for project in projects[:4]:
        names = set(Task.objects.filter(project=project).values_list("name", flat=True))
        assert 10 <= len(names) <= 60
        assert {"Cadrage", "Marché", "Recette", "COPIL de lancement", "Notification du marché"} <= names
        assert "Mise en production" in names
        assert TaskLink.objects.filter(project=project).exists()
        project.refresh_from_db()
        assert project.forecast_finish is not None and project.slippage_days is not None
    assert not Task.objects.filter(project=projects[4]).exists()  # a demand has no schedule yet
    closed = Project.objects.get(pk=projects[3].pk)
    assert set(
        Task.objects.filter(project=closed, is_summary=False).values_list("board_status", flat=True)
    ) == {"done"}
    # Idempotent and deterministic.
    assert load_demo_schedules(today=TODAY, actor=pmo_user)["schedules"] == 0
    first = list(
        Task.objects.filter(project=projects[2]).order_by("wbs").values_list("wbs", "name", "duration")
    )
    Task.objects.filter(project=projects[2]).delete()
    load_demo_schedules(today=TODAY, actor=pmo_user)
    again = list(
        Task.objects.filter(project=projects[2]).order_by("wbs").values_list("wbs", "name", "duration")
    )
    assert again == first
