"""The schedule services: every change re-schedules the project in its transaction, audited, versioned."""

import datetime

import pytest

from portfolio.models import Project
from portfolio.scheduling import services
from portfolio.scheduling.models import CalendarException, Task, TaskLink
from portfolio.tests.factories import ProjectFactory
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainPermissionError, DomainValidationError, StaleVersionError
from ppm.roles import Role

D = datetime.date
MONDAY = D(2025, 1, 6)


@pytest.fixture
def project(db, manager_user):
    return ProjectFactory(manager=manager_user, planned_start=MONDAY, planned_end=D(2025, 1, 31))


@pytest.fixture
def plan(project, pmo_user):
    """Cadrage (5 d) → Conception (10 d) → COPIL milestone; a summary "Phase 1" over the first two."""
    phase = services.task_create(actor=pmo_user, project=project, name="Phase 1")
    cadrage = services.task_create(actor=pmo_user, project=project, name="Cadrage", parent=phase, duration=5)
    conception = services.task_create(
        actor=pmo_user, project=project, name="Conception", parent=phase, duration=10
    )
    copil = services.task_create(actor=pmo_user, project=project, name="COPIL", milestone=True)
    services.link_create(actor=pmo_user, predecessor=cadrage, successor=conception)
    services.link_create(actor=pmo_user, predecessor=conception, successor=copil)
    return {"phase": phase, "cadrage": cadrage, "conception": conception, "copil": copil}


def fresh(task):
    return Task.objects.get(pk=task.pk)


def test_create_and_link_reschedules_with_wbs_and_forecast(project, plan):
    phase, cadrage, conception, copil = (fresh(plan[k]) for k in ("phase", "cadrage", "conception", "copil"))
    assert [phase.wbs, cadrage.wbs, conception.wbs, copil.wbs] == ["1", "1.1", "1.2", "2"]
    assert phase.is_summary and not cadrage.is_summary
    assert (cadrage.start, cadrage.finish) == (MONDAY, D(2025, 1, 10))
    assert (conception.start, conception.finish) == (D(2025, 1, 13), D(2025, 1, 24))
    assert (phase.start, phase.finish) == (MONDAY, D(2025, 1, 24))
    assert copil.start == D(2025, 1, 24) and copil.duration == 0
    assert cadrage.critical and conception.critical and copil.critical
    project.refresh_from_db()
    assert (project.forecast_start, project.forecast_finish) == (MONDAY, D(2025, 1, 24))
    assert project.slippage_days == -5  # a week early on the planned end (31 January)
    assert project.schedule_version >= 6


def test_duration_change_moves_successors_and_slippage(project, plan, pmo_user):
    cadrage = fresh(plan["cadrage"])
    services.task_update(
        actor=pmo_user, task=cadrage, data={"duration": 15}, expected_version=cadrage.version
    )
    assert fresh(plan["conception"]).start == D(2025, 1, 27)
    project.refresh_from_db()
    assert project.forecast_finish == D(2025, 2, 7)
    assert project.slippage_days == 5


def test_stale_version_refused(plan, pmo_user):
    cadrage = fresh(plan["cadrage"])
    services.task_update(
        actor=pmo_user, task=cadrage, data={"name": "Cadrage v2"}, expected_version=cadrage.version
    )
    with pytest.raises(StaleVersionError):
        services.task_update(
            actor=pmo_user, task=cadrage, data={"name": "x"}, expected_version=cadrage.version
        )


def test_cycle_refused_naming_the_tasks_and_nothing_written(plan, pmo_user):
    before = TaskLink.objects.count()
    with pytest.raises(services.ScheduleError) as caught:
        services.link_create(actor=pmo_user, predecessor=plan["copil"], successor=plan["cadrage"])
    assert caught.value.code == "cycle"
    assert "Cadrage" in str(caught.value) and "COPIL" in str(caught.value)
    assert TaskLink.objects.count() == before


def test_self_cross_project_and_summary_finish_links_refused(plan, pmo_user, manager_user):
    with pytest.raises(services.ScheduleError) as caught:
        services.link_create(actor=pmo_user, predecessor=plan["cadrage"], successor=plan["cadrage"])
    assert caught.value.code == "self_link"
    other = ProjectFactory(manager=manager_user)
    foreign = services.task_create(actor=pmo_user, project=other, name="Ailleurs")
    with pytest.raises(services.ScheduleError) as caught:
        services.link_create(actor=pmo_user, predecessor=plan["cadrage"], successor=foreign)
    assert caught.value.code == "cross_project_link" and "Ailleurs" in str(caught.value)
    with pytest.raises(services.ScheduleError):
        services.link_create(actor=pmo_user, predecessor=plan["copil"], successor=plan["phase"], type="FF")


def test_summary_dates_refused(plan, pmo_user):
    phase = fresh(plan["phase"])
    with pytest.raises(DomainValidationError):
        services.task_update(actor=pmo_user, task=phase, data={"start": D(2025, 2, 3)})


def test_start_on_auto_task_becomes_snet_and_finish_sets_duration(plan, pmo_user):
    conception = fresh(plan["conception"])
    services.task_update(actor=pmo_user, task=conception, data={"start": D(2025, 1, 20)})
    conception = fresh(conception)
    assert conception.constraint_type == "snet" and conception.start == D(2025, 1, 20)
    services.task_update(actor=pmo_user, task=conception, data={"finish": D(2025, 1, 22)})
    conception = fresh(conception)
    assert conception.duration == 3 and conception.finish == D(2025, 1, 22)


def test_a_start_after_the_current_finish_moves_the_whole_auto_task(plan, pmo_user):
    # Was an IntegrityError (409): the start moved past the stored finish before the re-schedule.
    conception = fresh(plan["conception"])
    later = conception.finish + datetime.timedelta(days=60)
    services.task_update(actor=pmo_user, task=conception, data={"start": later})
    conception = fresh(conception)
    assert conception.start >= later and conception.finish >= conception.start
    assert conception.constraint_type == "snet" and conception.constraint_date == later


def test_manual_task_keeps_pinned_dates(plan, pmo_user):
    conception = fresh(plan["conception"])
    services.task_update(
        actor=pmo_user,
        task=conception,
        data={"mode": "manual", "start": D(2025, 1, 8), "finish": D(2025, 1, 14)},
    )
    conception = fresh(conception)
    assert (conception.start, conception.finish, conception.duration) == (D(2025, 1, 8), D(2025, 1, 14), 5)


def test_calendar_exception_moves_the_schedule(project, plan, pmo_user):
    services.calendar_exception_create(
        actor=pmo_user, project=project, name="Fermeture", start=D(2025, 1, 13), end=D(2025, 1, 17)
    )
    assert fresh(plan["conception"]).start == D(2025, 1, 20)
    exception = CalendarException.objects.get()
    services.calendar_exception_delete(actor=pmo_user, exception=exception)
    assert fresh(plan["conception"]).start == D(2025, 1, 13)


def test_board_done_and_percent_are_coherent(plan, pmo_user):
    cadrage = fresh(plan["cadrage"])
    services.task_set_progress(actor=pmo_user, task=cadrage, board_status="done")
    cadrage = fresh(cadrage)
    assert cadrage.percent_complete == 100
    services.task_set_progress(actor=pmo_user, task=cadrage, percent_complete=40)
    cadrage = fresh(cadrage)
    assert cadrage.board_status == "in_progress"
    services.task_set_progress(actor=pmo_user, task=cadrage, percent_complete=100)
    assert fresh(cadrage).board_status == "done"
    # Progress rolls up to the summary, weighted by duration: (5 × 100 + 10 × 0) / 15.
    assert fresh(plan["phase"]).percent_complete == 33


def test_contributor_updates_progress_of_own_task_only(plan, pmo_user, make_user):
    contributor = make_user(Role.CONTRIBUTOR)
    cadrage = services.task_update(
        actor=pmo_user, task=fresh(plan["cadrage"]), data={"assignee": contributor}
    )
    services.task_set_progress(actor=contributor, task=cadrage, percent_complete=50)
    with pytest.raises(DomainPermissionError):
        services.task_update(actor=contributor, task=fresh(cadrage), data={"duration": 2})
    with pytest.raises(DomainPermissionError):
        services.task_set_progress(actor=contributor, task=fresh(plan["conception"]), percent_complete=50)
    reader = make_user(Role.READER)
    with pytest.raises(DomainPermissionError):
        services.task_create(actor=reader, project=cadrage.project, name="x")


def test_manager_of_project_edits_other_manager_does_not(project, manager_user, other_manager):
    services.task_create(actor=manager_user, project=project, name="Mine")
    with pytest.raises(DomainPermissionError):
        services.task_create(actor=other_manager, project=project, name="Not mine")


def test_move_and_reorder_renumber_wbs(project, plan, pmo_user):
    copil = fresh(plan["copil"])
    services.task_move(actor=pmo_user, task=copil, parent=plan["phase"], position=0)
    assert fresh(copil).wbs == "1.1" and fresh(plan["cadrage"]).wbs == "1.2"
    services.tasks_reorder(
        actor=pmo_user,
        project=project,
        moves=[{"id": copil.pk, "parent_id": None, "position": 0}],
    )
    assert fresh(copil).wbs == "1" and fresh(plan["phase"]).wbs == "2" and fresh(plan["cadrage"]).wbs == "2.1"
    with pytest.raises(DomainValidationError):
        services.task_move(actor=pmo_user, task=fresh(plan["phase"]), parent=plan["cadrage"])


def test_delete_task_removes_links_and_reschedules(project, plan, pmo_user):
    services.task_delete(actor=pmo_user, task=fresh(plan["cadrage"]))
    assert fresh(plan["conception"]).start == MONDAY
    assert fresh(plan["conception"]).wbs == "1.1"
    assert TaskLink.objects.count() == 1


def test_changes_audited_with_project_as_parent(project, plan, pmo_user):
    services.task_update(actor=pmo_user, task=fresh(plan["cadrage"]), data={"name": "Cadrage détaillé"})
    reprs = [entry.object_repr for entry in audit_entries_for(project)]
    assert any("Cadrage détaillé" in r for r in reprs)
    assert any("→" in r for r in reprs)  # the links


def test_schedule_replace_bulk(project, pmo_user):
    created = services.schedule_replace(
        project=project,
        actor=pmo_user,
        tasks=[
            {"key": 1, "parent": None, "name": "Réalisation"},
            {"key": 2, "parent": 1, "name": "Lot 1", "duration": 4},
            {"key": 3, "parent": 1, "name": "Lot 2", "duration": 3},
            {"key": 4, "parent": None, "name": "Mise en production", "milestone": True},
        ],
        links=[
            {"predecessor": 2, "successor": 3, "type": "SS", "lag": 2},
            {"predecessor": 1, "successor": 4, "type": "FS", "lag": 0},
        ],
    )
    lot2 = fresh(created[3])
    assert lot2.wbs == "1.2" and lot2.start == D(2025, 1, 8)
    assert fresh(created[4]).start == D(2025, 1, 10)
    assert Project.objects.get(pk=project.pk).forecast_finish == D(2025, 1, 10)
    with pytest.raises(services.ScheduleError):
        services.schedule_replace(
            project=project,
            actor=pmo_user,
            tasks=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
            links=[{"predecessor": "a", "successor": "b"}, {"predecessor": "b", "successor": "a"}],
        )
    assert Task.objects.filter(project=project).count() == 4  # all or nothing


def test_done_and_percent_given_together_must_agree(plan, pmo_user):
    cadrage = fresh(plan["cadrage"])
    with pytest.raises(DomainValidationError):
        services.task_update(
            actor=pmo_user, task=cadrage, data={"board_status": "done", "percent_complete": 40}
        )
    # An edit of other fields leaves an imported incoherence alone.
    Task.objects.filter(pk=cadrage.pk).update(percent_complete=100, board_status="todo")
    services.task_update(actor=pmo_user, task=fresh(cadrage), data={"name": "Cadrage"})


def test_changing_the_planned_dates_reschedules(project, plan, pmo_user):
    from portfolio.services import project_update

    project_update(actor=pmo_user, project=project, data={"planned_end": D(2025, 1, 24)})
    project.refresh_from_db()
    assert project.slippage_days == 0
    project_update(actor=pmo_user, project=project, data={"planned_start": D(2025, 1, 13)})
    assert fresh(plan["cadrage"]).start == D(2025, 1, 13)
    project.refresh_from_db()
    assert project.slippage_days == 5


def test_choosing_alsace_moselle_holidays_reschedules_the_project(pmo_user):
    """Good Friday (18 April 2025) is a public holiday in Alsace-Moselle only: a 5-day task starting on
    Monday 14 April finishes on Friday 18 in metropolitan France, and on Tuesday 22 once Alsace-Moselle's
    holidays apply (Friday 18 is lost, Monday 21, Easter Monday, is a holiday everywhere)."""
    from portfolio.services import project_update

    project = ProjectFactory(planned_start=datetime.date(2025, 4, 14), planned_end=datetime.date(2025, 6, 30))
    task = services.task_create(actor=pmo_user, project=project, name="Five days", duration=5)
    task.refresh_from_db()
    assert task.finish == datetime.date(2025, 4, 18)

    project_update(actor=pmo_user, project=project, data={"calendar_subdiv": "57"})

    task.refresh_from_db()
    assert task.finish == datetime.date(2025, 4, 22)


def test_the_gantt_payload_tells_no_problem_for_tasks_without_any(pmo_user):
    from portfolio.scheduling.selectors import gantt_payload

    project = ProjectFactory(planned_start=datetime.date(2025, 9, 1), planned_end=datetime.date(2025, 12, 19))
    late = services.task_create(
        actor=pmo_user, project=project, name="Late", duration=10, deadline=datetime.date(2025, 9, 5)
    )
    services.task_create(actor=pmo_user, project=project, name="Fine", duration=2)
    payload = gantt_payload(project)
    issues = {row[0]: row[payload["columns"].index("issues")] for row in payload["rows"]}
    assert len(issues[late.pk]) == 1 and [value for key, value in issues.items() if key != late.pk] == [None]


def test_a_missed_deadline_is_stored_on_its_task_and_told_in_each_language(pmo_user):
    from django.utils import translation

    from portfolio.scheduling.selectors import gantt_payload, project_schedule_summary

    project = ProjectFactory(planned_start=datetime.date(2025, 9, 1), planned_end=datetime.date(2025, 12, 19))
    task = services.task_create(
        actor=pmo_user, project=project, name="Recette", duration=10, deadline=datetime.date(2025, 9, 5)
    )
    task.refresh_from_db()
    assert [issue["variant"] for issue in task.schedule_issues] == ["deadline"]
    assert task.schedule_issues[0]["days"] == 5  # finishes Friday 12, a week after its deadline

    with translation.override("en"):
        (message,) = project_schedule_summary(project)["issues"]
        assert "after its deadline" in message and "Recette" in message
        payload = gantt_payload(project)
        row = payload["rows"][0]
        assert row[payload["columns"].index("issues")] == [message]
    with translation.override("fr"):
        (message,) = task.schedule_issue_messages
        assert "échéance" in message

    # Moving the deadline out of the way clears the problem.
    services.task_update(
        actor=pmo_user,
        task=task,
        data={"deadline": datetime.date(2025, 10, 31)},
        expected_version=task.version,
    )
    task.refresh_from_db()
    assert task.schedule_issues == []


def test_a_task_with_a_problem_keeps_its_place_in_the_gantt(pmo_user):
    from portfolio.scheduling.selectors import gantt_payload

    project = ProjectFactory(planned_start=datetime.date(2025, 9, 1), planned_end=datetime.date(2025, 12, 19))
    first = services.task_create(
        actor=pmo_user, project=project, name="First", duration=10, deadline=datetime.date(2025, 9, 2)
    )
    services.task_create(actor=pmo_user, project=project, name="Second", duration=3)
    payload = gantt_payload(project)
    names = [row[payload["columns"].index("name")] for row in payload["rows"]]
    assert names == ["First", "Second"]
    first.refresh_from_db()
    assert first.schedule_issues
