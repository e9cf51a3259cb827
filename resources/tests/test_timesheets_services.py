"""Timesheet services: the week's lifecycle, validation, per-line approvals, locking and reopening."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import DomainValidationError, IllegalTransitionError, StaleVersionError
from ppm.models import AuditEntry
from ppm.roles import Role
from ppm.tests.factories import UserFactory
from resources import timesheets as services
from resources.models import LineApproval, TimeEntry, Timesheet, TimesheetStatus
from resources.tests.factories import (
    AbsenceFactory,
    NonProjectActivityFactory,
    PersonWithAccountFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2025, 9, 1)  # a Monday with no holiday
D = [WEEK + datetime.timedelta(days=i) for i in range(7)]


@pytest.fixture
def setup():
    manager = UserFactory(username="boss", role=Role.PROJECT_MANAGER)
    person_user = UserFactory(username="alice", role=Role.CONTRIBUTOR)
    team = TeamFactory(manager=manager)
    person = PersonWithAccountFactory(user=person_user, team=team)
    pm = UserFactory(username="pm", role=Role.PROJECT_MANAGER)
    project = ProjectFactory(status="in_progress", manager=pm)
    other_project = ProjectFactory(status="in_progress")
    activity = NonProjectActivityFactory(code="RUN", name="Run")
    return {
        "manager": manager,
        "user": person_user,
        "person": person,
        "pm": pm,
        "project": project,
        "other": other_project,
        "activity": activity,
    }


def _week(s, rows=None):
    ts = services.timesheet_get_or_create(
        actor=s["user"], resource=s["person"], week=WEEK + datetime.timedelta(2)
    )
    rows = rows or [
        {"project": s["project"].pk, "days": {D[0].isoformat(): "1", D[1].isoformat(): "0.5"}},
        {"project": s["other"].pk, "days": {D[1].isoformat(): "0.5"}},
    ]
    result = services.timesheet_save(actor=s["user"], timesheet=ts, expected_version=ts.version, rows=rows)
    return result.timesheet


def test_get_or_create_opens_the_monday_and_only_for_the_person(setup):
    ts = services.timesheet_get_or_create(actor=setup["user"], resource=setup["person"], week=D[3])
    assert ts.week == WEEK and ts.status == TimesheetStatus.DRAFT
    with pytest.raises(PermissionDenied):
        services.timesheet_get_or_create(
            actor=setup["manager"], resource=setup["person"], week=D[0] + datetime.timedelta(7)
        )


def test_save_stores_days_and_replaces_rows(setup):
    ts = _week(setup)
    assert ts.version == 2
    assert sorted(
        (e.line.project_id, e.day, e.days) for e in TimeEntry.objects.filter(line__timesheet=ts)
    ) == sorted(
        [
            (setup["project"].pk, D[0], Decimal("1")),
            (setup["project"].pk, D[1], Decimal("0.5")),
            (setup["other"].pk, D[1], Decimal("0.5")),
        ]
    )
    services.timesheet_save(
        actor=setup["user"],
        timesheet=ts,
        expected_version=ts.version,
        rows=[{"activity": setup["activity"].pk, "days": {D[2].isoformat(): "1"}}],
    )
    assert list(TimeEntry.objects.filter(line__timesheet=ts).values_list("line__activity__code", "days")) == [
        ("RUN", Decimal("1"))
    ]
    assert AuditEntry.objects.filter(object_id=ts.pk).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [("0.3", "steps of 0.5"), ("1.5", "At most one day"), ("-1", "negative"), ("abc", "not a number")],
)
def test_save_refuses_bad_values(setup, value, message):
    ts = services.timesheet_get_or_create(actor=setup["user"], resource=setup["person"], week=WEEK)
    with pytest.raises(DomainValidationError) as error:
        services.timesheet_save(
            actor=setup["user"],
            timesheet=ts,
            expected_version=ts.version,
            rows=[{"project": setup["project"].pk, "days": {D[0].isoformat(): value}}],
        )
    assert message in str(error.value.field_errors["rows.0"])
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    "language, over, outside",
    [
        ("en", "Monday 1 September: more than one day", "Monday 8 September is not in this week"),
        ("fr", "Lundi 1 septembre : plus d", "Le lundi 8 septembre n"),
    ],
)
def test_save_refuses_more_than_a_day_per_day_and_days_outside_the_week(setup, language, over, outside):
    ts = services.timesheet_get_or_create(actor=setup["user"], resource=setup["person"], week=WEEK)
    with translation.override(language), pytest.raises(DomainValidationError) as error:
        services.timesheet_save(
            actor=setup["user"],
            timesheet=ts,
            expected_version=ts.version,
            rows=[
                {"project": setup["project"].pk, "days": {D[0].isoformat(): "1"}},
                {"project": setup["other"].pk, "days": {D[0].isoformat(): "0.5", "2025-09-08": "1"}},
            ],
        )
    # The days named as people read them in their language, not as ISO dates.
    assert over in str(error.value.field_errors["days"])
    assert outside in str(error.value.field_errors["rows.1"])


def test_save_refuses_rows_without_project_or_activity_duplicates_and_foreign_tasks(setup):
    from portfolio.scheduling.models import Task

    task = Task.objects.create(project=setup["other"], name="Elsewhere")
    ts = services.timesheet_get_or_create(actor=setup["user"], resource=setup["person"], week=WEEK)
    with pytest.raises(DomainValidationError) as error:
        services.timesheet_save(
            actor=setup["user"],
            timesheet=ts,
            expected_version=ts.version,
            rows=[
                {"days": {}},
                {"project": setup["project"].pk, "days": {}},
                {"project": setup["project"].pk, "days": {}},
                {"project": setup["project"].pk, "task": task.pk, "days": {}},
                {"project": ProjectFactory(status="closed").pk, "days": {}},
            ],
        )
    errors = error.value.field_errors
    assert set(errors) == {"rows.0", "rows.2", "rows.3", "rows.4"}


def test_save_warns_above_working_time_without_refusing(setup):
    person = setup["person"]
    person.week_pattern = ["1", "1", "0", "1", "1"]
    person.save()
    AbsenceFactory(resource=person, start=D[1], end=D[1], day_share=Decimal("0.5"))
    ts = services.timesheet_get_or_create(actor=setup["user"], resource=person, week=WEEK)
    result = services.timesheet_save(
        actor=setup["user"],
        timesheet=ts,
        expected_version=ts.version,
        rows=[
            {
                "project": setup["project"].pk,
                "days": {D[1].isoformat(): "1", D[2].isoformat(): "0.5", D[5].isoformat(): "0.5"},
            }
        ],
    )
    assert len(result.warnings) == 3  # half absent Tuesday, Wednesday off, Saturday
    assert TimeEntry.objects.count() == 3


def test_hours_mode_converts_and_checks_quarters(setup, settings):
    settings.PILOTIS_TIMESHEET_UNIT = "hours"
    settings.PILOTIS_HOURS_PER_DAY = "7"
    assert services.parse_time("3.5") == Decimal("0.5")
    assert services.parse_time("7") == Decimal("1")
    assert services.display_time(Decimal("0.5")) == "3.5"
    with pytest.raises(DomainValidationError):
        services.parse_time("3.1")
    with pytest.raises(DomainValidationError):
        services.parse_time("8")


def test_stale_version_is_refused(setup):
    ts = _week(setup)
    with pytest.raises(StaleVersionError):
        services.timesheet_save(actor=setup["user"], timesheet=ts, expected_version=1, rows=[])


def test_only_the_person_saves(setup):
    ts = _week(setup)
    for actor in (setup["manager"], UserFactory(role=Role.PROJECT_OFFICE)):
        with pytest.raises(PermissionDenied):
            services.timesheet_save(actor=actor, timesheet=ts, expected_version=None, rows=[])


def test_submit_needs_time_and_locks_the_week(setup):
    empty = services.timesheet_get_or_create(actor=setup["user"], resource=setup["person"], week=WEEK)
    with pytest.raises(IllegalTransitionError, match="Enter some time"):
        services.timesheet_submit(actor=setup["user"], timesheet=empty, expected_version=None)
    ts = _week(setup)
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    assert ts.status == TimesheetStatus.SUBMITTED and ts.submitted_at
    with pytest.raises(IllegalTransitionError):
        services.timesheet_save(actor=setup["user"], timesheet=ts, expected_version=None, rows=[])
    with pytest.raises(IllegalTransitionError):
        services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=None)
    assert list(ts.status_changes.values_list("source", "target")) == [("draft", "submitted")]


def test_project_manager_approves_only_their_project_lines_and_the_week_follows(setup):
    ts = _week(setup)
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    mine = ts.lines.get(project=setup["project"])
    other = ts.lines.get(project=setup["other"])
    with pytest.raises(PermissionDenied):
        services.timesheet_line_decide(actor=setup["pm"], line=other, approve=True)
    services.timesheet_line_decide(actor=setup["pm"], line=mine, approve=True)
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.timesheet_line_decide(actor=setup["user"], line=other, approve=True)  # never one's own
    services.timesheet_line_decide(actor=setup["manager"], line=other, approve=True)
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.APPROVED
    with pytest.raises(IllegalTransitionError):
        services.timesheet_line_decide(actor=setup["manager"], line=other, approve=False, reason="x")


def test_a_returned_line_returns_the_week_with_its_reason_and_resubmit(setup):
    ts = _week(setup)
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    line = ts.lines.get(project=setup["project"])
    with pytest.raises(DomainValidationError):
        services.timesheet_line_decide(actor=setup["pm"], line=line, approve=False, reason="  ")
    services.timesheet_line_decide(actor=setup["pm"], line=line, approve=False, reason="Wrong project")
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.REJECTED
    assert ts.status_changes.last().comment == "Wrong project"
    # editable again, and resubmitted
    ts = services.timesheet_save(
        actor=setup["user"],
        timesheet=ts,
        expected_version=ts.version,
        rows=[{"project": setup["other"].pk, "days": {D[1].isoformat(): "0.5"}}],
    ).timesheet
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    assert ts.status == TimesheetStatus.SUBMITTED
    assert list(ts.lines.values_list("approval", flat=True)) == [LineApproval.PENDING]


def test_decide_all_by_the_approver_not_the_project_manager(setup):
    ts = _week(setup)
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    with pytest.raises(PermissionDenied):
        services.timesheet_decide_all(actor=setup["pm"], timesheet=ts, approve=True)
    with pytest.raises(DomainValidationError):
        services.timesheet_decide_all(actor=setup["manager"], timesheet=ts, approve=False, reason="")
    ts = services.timesheet_decide_all(
        actor=setup["manager"], timesheet=ts, approve=True, expected_version=ts.version
    )
    assert ts.status == TimesheetStatus.APPROVED
    assert set(ts.lines.values_list("approval", flat=True)) == {LineApproval.APPROVED}


def test_approved_week_is_locked_and_reopened_by_the_approver_with_a_reason(setup):
    ts = _week(setup)
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    ts = services.timesheet_decide_all(actor=setup["manager"], timesheet=ts, approve=True)
    with pytest.raises(IllegalTransitionError):
        services.timesheet_save(actor=setup["user"], timesheet=ts, expected_version=None, rows=[])
    with pytest.raises(PermissionDenied):
        services.timesheet_reopen(actor=setup["user"], timesheet=ts, reason="oops", expected_version=None)
    with pytest.raises(DomainValidationError):
        services.timesheet_reopen(actor=setup["manager"], timesheet=ts, reason="", expected_version=None)
    ts = services.timesheet_reopen(
        actor=setup["manager"], timesheet=ts, reason="Tuesday was a holiday", expected_version=ts.version
    )
    assert ts.status == TimesheetStatus.REJECTED
    assert set(ts.lines.values_list("approval", flat=True)) == {LineApproval.PENDING}
    change = ts.status_changes.last()
    assert (change.action, change.comment) == ("reopen", "Tuesday was a holiday")
    assert AuditEntry.objects.filter(object_id=ts.pk, action=AuditEntry.Action.TRANSITION).count() >= 3
    # the person corrects and resubmits
    ts = services.timesheet_save(
        actor=setup["user"],
        timesheet=ts,
        expected_version=ts.version,
        rows=[{"project": setup["project"].pk, "days": {D[0].isoformat(): "1"}}],
    ).timesheet
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    assert ts.status == TimesheetStatus.SUBMITTED
    with pytest.raises(IllegalTransitionError):
        services.timesheet_reopen(actor=setup["manager"], timesheet=ts, reason="again", expected_version=None)


def test_copy_last_week(setup):
    previous = _week(setup)
    closed = ProjectFactory(status="closed")
    from resources.models import TimesheetLine

    TimesheetLine.objects.create(timesheet=previous, project=closed)
    next_week = services.timesheet_get_or_create(
        actor=setup["user"], resource=setup["person"], week=WEEK + datetime.timedelta(weeks=1)
    )
    result = services.timesheet_copy_last_week(
        actor=setup["user"], timesheet=next_week, expected_version=None
    )
    entries = sorted(
        (e.line.project_id, e.day, e.days) for e in TimeEntry.objects.filter(line__timesheet=result.timesheet)
    )
    shift = datetime.timedelta(weeks=1)
    assert entries == sorted(
        [
            (setup["project"].pk, D[0] + shift, Decimal("1")),
            (setup["project"].pk, D[1] + shift, Decimal("0.5")),
            (setup["other"].pk, D[1] + shift, Decimal("0.5")),
        ]
    )
    assert not result.timesheet.lines.filter(project=closed).exists()
    with pytest.raises(DomainValidationError, match="already has rows"):
        services.timesheet_copy_last_week(
            actor=setup["user"], timesheet=result.timesheet, expected_version=None
        )


def test_unchanged_approved_lines_keep_their_approval_when_a_returned_week_is_saved(setup):
    ts = _week(setup)
    ts = services.timesheet_submit(actor=setup["user"], timesheet=ts, expected_version=ts.version)
    services.timesheet_line_decide(
        actor=setup["pm"], line=ts.lines.get(project=setup["project"]), approve=True
    )
    services.timesheet_line_decide(
        actor=setup["manager"], line=ts.lines.get(project=setup["other"]), approve=False, reason="No"
    )
    ts = Timesheet.objects.get(pk=ts.pk)
    rows = [
        {"project": setup["project"].pk, "days": {D[0].isoformat(): "1", D[1].isoformat(): "0.5"}},
        {"project": setup["other"].pk, "days": {D[2].isoformat(): "0.5"}},
    ]
    services.timesheet_save(actor=setup["user"], timesheet=ts, expected_version=ts.version, rows=rows)
    assert dict(ts.lines.values_list("project_id", "approval")) == {
        setup["project"].pk: LineApproval.APPROVED,
        setup["other"].pk: LineApproval.PENDING,
    }
