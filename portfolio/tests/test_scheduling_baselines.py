"""Baselines: services (permissions, audit), comparison selectors, pages, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Baseline, BaselineTask, PortfolioBaseline, Task
from portfolio.scheduling import baselines
from portfolio.tests.factories import ProjectFactory
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainPermissionError, DomainValidationError
from ppm.models import AuditEntry

D = datetime.date


FIRST_MONDAY = D(2026, 3, 2)


def make_tasks(project, n, *, start=FIRST_MONDAY):
    """n one-week tasks in a row (working days only), every fifth a milestone."""
    tasks = []
    day = start
    for i in range(n):
        milestone = i % 5 == 4
        finish = day if milestone else day + datetime.timedelta(days=4)
        tasks.append(
            Task(
                project=project, wbs=str(i + 1), position=i, name=f"Tâche {i + 1}", start=day, finish=finish,
                duration=0 if milestone else 5, milestone=milestone,
            )
        )  # fmt: skip
        day = finish + datetime.timedelta(days=7 - finish.weekday()) if not milestone else day
    return Task.objects.bulk_create(tasks)


@pytest.fixture
def project(manager_user):
    return ProjectFactory(manager=manager_user, planned_end=D(2026, 12, 18), status="in_progress")


def test_take_saves_every_task_and_is_audited_in_the_project_history(project, manager_user):
    make_tasks(project, 7)
    baseline = baselines.baseline_take(actor=manager_user, project=project, name=" COPIL mars ", note="ok")
    assert baseline.name == "COPIL mars"
    assert baseline.taken_by == manager_user
    saved = BaselineTask.objects.filter(baseline=baseline)
    assert saved.count() == 7
    first = saved.order_by("pk").first()
    task = Task.objects.get(pk=first.task_id)
    assert (first.start, first.finish, first.duration, first.wbs) == (task.start, task.finish, 5, "1")
    entry = audit_entries_for(project).first()
    assert entry.action == AuditEntry.Action.CREATE and entry.object_repr == "COPIL mars"


@pytest.mark.parametrize("role", ["reader", "contributor", "committee", "other_manager"])
def test_only_schedule_editors_take_a_baseline(project, make_user, other_manager, role):
    user = other_manager if role == "other_manager" else make_user(role)
    with pytest.raises(DomainPermissionError):
        baselines.baseline_take(actor=user, project=project, name="x")
    assert not Baseline.objects.exists()


def test_name_is_required_and_bounded(project, pmo_user):
    with pytest.raises(DomainValidationError):
        baselines.baseline_take(actor=pmo_user, project=project, name="   ")
    with pytest.raises(DomainValidationError):
        baselines.baseline_take(actor=pmo_user, project=project, name="x" * 201)
    with pytest.raises(DomainValidationError):
        baselines.baseline_take(actor=pmo_user, project=project, name="a\x00b")


def test_rename_and_delete_are_the_project_offices(project, manager_user, pmo_user):
    baseline = baselines.baseline_take(actor=manager_user, project=project, name="A")
    with pytest.raises(DomainPermissionError):
        baselines.baseline_rename(actor=manager_user, baseline=baseline, name="B")
    with pytest.raises(DomainPermissionError):
        baselines.baseline_delete(actor=manager_user, baseline=baseline)
    baselines.baseline_rename(actor=pmo_user, baseline=baseline, name="B")
    baseline.refresh_from_db()
    assert baseline.name == "B"
    baselines.baseline_delete(actor=pmo_user, baseline=baseline)
    assert not Baseline.objects.exists()
    actions = [e.action for e in audit_entries_for(project)]
    assert actions[:3] == ["delete", "update", "create"]


def test_compare_with_today_shows_drift_added_and_removed(project, manager_user):
    tasks = make_tasks(project, 3)
    baseline = baselines.baseline_take(actor=manager_user, project=project, name="A")
    # Move the second task by one week (5 working days), delete the third, add one.
    moved = tasks[1]
    moved.start += datetime.timedelta(days=7)
    moved.finish += datetime.timedelta(days=7)
    moved.save()
    tasks[2].delete()
    Task.objects.create(project=project, wbs="4", name="Nouvelle", start=D(2026, 4, 6), finish=D(2026, 4, 6))
    comparison = baselines.baseline_compare(reference=baseline, other=None)
    rows = {r.name: r for r in comparison.result.rows}
    assert rows["Tâche 2"].finish_drift == 5 and rows["Tâche 2"].status == "moved"
    assert rows["Tâche 1"].status == "same"
    assert rows["Tâche 3"].status == "removed"
    assert rows["Nouvelle"].status == "added"


def test_compare_honours_the_projects_closed_days(project, manager_user):
    from portfolio.models import CalendarException

    (task,) = make_tasks(project, 1)
    baseline = baselines.baseline_take(actor=manager_user, project=project, name="A")
    task.finish = D(2026, 3, 13)  # a week later; two days of that week closed for the project
    task.save()
    CalendarException.objects.create(
        project=project, name="Fermeture", start=D(2026, 3, 9), end=D(2026, 3, 10)
    )
    assert baselines.baseline_compare(reference=baseline, other=None).result.rows[0].finish_drift == 3


def test_two_baselines_of_different_projects_are_not_compared(project, manager_user, pmo_user):
    a = baselines.baseline_take(actor=manager_user, project=project, name="A")
    b = baselines.baseline_take(actor=pmo_user, project=ProjectFactory(), name="B")
    with pytest.raises(DomainValidationError):
        baselines.baseline_compare(reference=a, other=b)


def test_milestone_trend(project, manager_user):
    tasks = make_tasks(project, 5)
    milestone = tasks[4]
    baselines.baseline_take(actor=manager_user, project=project, name="COPIL 1")
    milestone.start = milestone.finish = milestone.finish + datetime.timedelta(days=7)
    milestone.save()
    baselines.baseline_take(actor=manager_user, project=project, name="COPIL 2")
    trend = baselines.milestone_trend(project)
    assert trend.labels[:2] == ["COPIL 1", "COPIL 2"]
    ((key, name, dates),) = trend.series
    assert key == milestone.pk and dates[1] == dates[2] == dates[0] + datetime.timedelta(days=7)


def test_portfolio_baseline(project, manager_user, pmo_user):
    tasks = make_tasks(project, 5)
    Task.objects.filter(pk=tasks[4].pk).update(name="Mise en production")
    project.forecast_finish = D(2026, 12, 18)
    project.save()
    with pytest.raises(DomainPermissionError):
        baselines.portfolio_baseline_take(actor=manager_user, name="COPIL")
    baseline = baselines.portfolio_baseline_take(actor=pmo_user, name="COPIL de décembre")
    entry = baseline.entries.get(project=project)
    assert entry.forecast_finish == D(2026, 12, 18)
    assert entry.milestones[0][1] == "Mise en production"
    project.forecast_finish = D(2026, 12, 28)  # Christmas (Friday 25) is not a working day
    project.save()
    (row,) = baselines.portfolio_baseline_compare(reference=baseline, other=None)
    assert row.end_drift == 5 and row.tone == "warning"  # 21, 22, 23, 24 and 28 December
    baselines.portfolio_baseline_delete(actor=pmo_user, baseline=baseline)
    assert not PortfolioBaseline.objects.exists()


# ------------------------------------------------------------------------------------------ pages


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_project_baselines_page_query_count_constant(client, project, manager_user):
    client.force_login(manager_user)
    make_tasks(project, 3)
    baselines.baseline_take(actor=manager_user, project=project, name="A")
    baselines.baseline_take(actor=manager_user, project=project, name="B")
    url = reverse("portfolio:project_baselines", kwargs={"pk": project.pk})
    small = _count_queries(client, url)
    make_tasks(project, 27, start=D(2026, 9, 7))
    for i in range(8):
        baselines.baseline_take(actor=manager_user, project=project, name=f"C{i}")
    assert _count_queries(client, url) == small
    detail = reverse("portfolio:project_detail", kwargs={"pk": project.pk})
    _count_queries(client, detail)
    response = client.get(detail)
    assert b"milestone-trend-data" in response.content


def test_project_baselines_page_compares_and_takes(client, project, manager_user):
    client.force_login(manager_user)
    tasks = make_tasks(project, 2)
    url = reverse("portfolio:project_baselines", kwargs={"pk": project.pk})
    response = client.post(reverse("portfolio:baseline_take", kwargs={"pk": project.pk}), {"name": "COPIL"})
    assert response.status_code == 302
    Task.objects.filter(pk=tasks[0].pk).update(finish=tasks[0].finish + datetime.timedelta(days=1))
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-finish-drift="1"' in response.content.decode()
    # Bad parameters are ignored, never a 500.
    for query in ("?a=abc", "?a=999999999999999999999", "?a=1&with=xyz", "?with=%00"):
        assert client.get(url + query).status_code == 200
    # An empty name is a message, not a baseline.
    client.post(reverse("portfolio:baseline_take", kwargs={"pk": project.pk}), {"name": ""})
    assert Baseline.objects.count() == 1


def test_pages_refuse_who_may_not(client, project, make_user):
    reader = make_user("reader")
    client.force_login(reader)
    response = client.post(reverse("portfolio:baseline_take", kwargs={"pk": project.pk}), {"name": "x"})
    assert response.status_code == 403
    assert client.post(reverse("portfolio:portfolio_baseline_take"), {"name": "x"}).status_code == 403
    assert client.get(reverse("portfolio:portfolio_baselines")).status_code == 200


def test_portfolio_page_query_count_constant(client, pmo_user):
    client.force_login(pmo_user)
    for _ in range(3):
        make_tasks(ProjectFactory(), 5)
    baselines.portfolio_baseline_take(actor=pmo_user, name="A")
    url = reverse("portfolio:portfolio_baselines")
    small = _count_queries(client, url)
    for _ in range(27):
        make_tasks(ProjectFactory(), 5)
    baselines.portfolio_baseline_take(actor=pmo_user, name="B")
    assert _count_queries(client, url + "?with=today") == small


# ------------------------------------------------------------------------------------------- demo


def test_last_quarterly_committee():
    assert baselines.last_quarterly_committee(D(2026, 3, 2)) == D(2026, 1, 13)  # Tuesday before 15 Jan
    assert baselines.last_quarterly_committee(D(2026, 1, 10)) == D(2025, 10, 14)
    assert baselines.last_quarterly_committee(D(2026, 11, 30)) == D(2026, 10, 13)


def test_demo_baselines_show_drift_on_some_projects(pmo_user, manager_user):
    from portfolio.scheduling.demo import load_demo_schedules

    for n in range(8):
        ProjectFactory(
            code=f"DEMO-{n}", manager=manager_user, status="in_progress",
            planned_start=D(2025, 9, 1), planned_end=D(2026, 12, 31),
        )  # fmt: skip
    created = load_demo_schedules(today=D(2026, 3, 2), actor=pmo_user)
    assert created["baselines"] == 8 and created["portfolio baselines"] == 1
    drifts = []
    for baseline in Baseline.objects.all():
        assert baseline.taken_at.date() == D(2026, 1, 13)
        drifts.append(baselines.baseline_compare(reference=baseline, other=None).result.finish_drift)
    assert any(d > 0 for d in drifts) and 0 in drifts  # some slipped, some on plan
    assert all(d >= 0 for d in drifts)
    portfolio = PortfolioBaseline.objects.get()
    rows = baselines.portfolio_baseline_compare(reference=portfolio, other=None)
    assert sorted(r.end_drift for r in rows) == sorted(drifts)
    # Loading again adds nothing.
    created = load_demo_schedules(today=D(2026, 3, 2), actor=pmo_user)
    assert Baseline.objects.count() == 8 and PortfolioBaseline.objects.count() == 1


def test_portfolio_calendar_is_kept_until_the_organisation_closes_days(project):
    from portfolio.models import CalendarException

    calendar = baselines.portfolio_calendar()
    assert calendar.is_working(D(2026, 3, 10))
    assert baselines.portfolio_calendar() is calendar  # its working-day index is built once per process
    # A project's closed days are not the organisation's.
    CalendarException.objects.create(project=project, name="Projet", start=D(2026, 3, 9), end=D(2026, 3, 10))
    assert baselines.portfolio_calendar() is calendar
    CalendarException.objects.create(name="Pont", start=D(2026, 3, 9), end=D(2026, 3, 10))
    closed = baselines.portfolio_calendar()
    assert closed is not calendar
    assert not closed.is_working(D(2026, 3, 10)) and calendar.is_working(D(2026, 3, 10))
