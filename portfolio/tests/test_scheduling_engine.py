"""The scheduler against hand-computed schedules, its errors, and properties on random networks.

Pure: no database. July 2026 for reference: Mon 6, Fri 10, Mon 13, Tue 14 (Bastille Day, off),
Wed 15, Thu 16, Fri 17, Mon 20. Durations and lags are in working days; a task of D days starting on
S finishes on its D-th working day, S counting as day 1.
"""

import graphlib
from datetime import date

import pytest
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portfolio.scheduling.bench import bench_scheduler
from portfolio.scheduling.calendar import WorkingCalendar, french_calendar
from portfolio.scheduling.engine import (
    SUMMARY_CONSTRAINTS,
    ConstraintType,
    Link,
    LinkType,
    SchedulingError,
    Task,
    ViolationKind,
    schedule,
    wbs_numbers,
)

FR = french_calendar([2026])
ALSACE = french_calendar([2026], subdiv="6AE")
FS, SS, FF, SF = (
    LinkType.FINISH_TO_START,
    LinkType.START_TO_START,
    LinkType.FINISH_TO_FINISH,
    LinkType.START_TO_FINISH,
)
MON_6_JULY = date(2026, 7, 6)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(tasks, links=(), *, start=MON_6_JULY, calendar=FR):
    return schedule(tasks, list(links), calendar=calendar, project_start=start)


def early(result, task_id):
    task = result.tasks[task_id]
    return task.early_start, task.early_finish


def late(result, task_id):
    task = result.tasks[task_id]
    return task.late_start, task.late_finish


def july(day):
    return date(2026, 7, day)


# -- the four link types, lags and leads ------------------------------------------------------------


def test_finish_to_start_with_a_lag_across_a_weekend_and_bastille_day():
    result = run([Task("A", "A", 3), Task("B", "B", 2)], [Link("A", "B", FS, 2)])
    assert early(result, "A") == (july(6), july(8))
    # Lag: Thu 9 and Fri 10; B starts Monday 13 and, 14 July being off, finishes Wednesday 15.
    assert early(result, "B") == (july(13), july(15))
    assert result.finish == july(15)


def test_finish_to_start_with_a_lead_overlaps_the_predecessor():
    result = run([Task("A", "A", 3), Task("B", "B", 2)], [Link("A", "B", FS, -2)])
    assert early(result, "B") == (july(7), july(8))


def test_start_to_start_with_a_lag():
    result = run([Task("A", "A", 3), Task("B", "B", 2)], [Link("A", "B", SS, 1)])
    assert early(result, "B") == (july(7), july(8))


def test_finish_to_finish_with_a_lag_across_a_holiday():
    # A: Mon 6 .. Mon 13 (6 days). B finishes 1 day after A: Wednesday 15 (14 July off), so its
    # 3 days are Fri 10, Mon 13, Wed 15.
    result = run([Task("A", "A", 6), Task("B", "B", 3)], [Link("A", "B", FF, 1)])
    assert early(result, "A") == (july(6), july(13))
    assert early(result, "B") == (july(10), july(15))


def test_start_to_finish_finishes_the_successor_when_the_predecessor_starts():
    tasks = [
        Task("A", "A", 3, constraint=ConstraintType.START_NO_EARLIER_THAN, constraint_date=july(13)),
        Task("B", "B", 3),
    ]
    result = run(tasks, [Link("A", "B", SF, 0)])
    assert early(result, "A") == (july(13), july(16))
    assert early(result, "B") == (july(8), july(10))  # finishes the working day before A starts


def test_a_lead_never_starts_a_task_before_the_project_start():
    result = run([Task("A", "A", 2), Task("B", "B", 2)], [Link("A", "B", SS, -3)])
    assert early(result, "B") == (july(6), july(7))


# -- holidays and calendars -------------------------------------------------------------------------


def test_durations_skip_ascension_christmas_and_a_closure():
    result = run([Task("A", "A", 5)], start=date(2026, 5, 11))
    assert early(result, "A") == (date(2026, 5, 11), date(2026, 5, 18))  # Thursday 14 May is Ascension
    result = run([Task("A", "A", 3)], start=date(2026, 12, 23))
    assert early(result, "A") == (date(2026, 12, 23), date(2026, 12, 28))
    closed = french_calendar([2026, 2027], extra_closed=[(date(2026, 12, 28), date(2026, 12, 31))])
    result = run([Task("A", "A", 3)], start=date(2026, 12, 23), calendar=closed)
    assert early(result, "A") == (date(2026, 12, 23), date(2027, 1, 4))  # 1 January is off too


def test_good_friday_is_off_in_alsace_moselle_only():
    tasks, start = [Task("A", "A", 3), Task("B", "B", 1)], date(2026, 4, 1)
    links = [Link("A", "B")]
    assert early(run(tasks, links, start=start), "B") == (date(2026, 4, 7), date(2026, 4, 7))  # Easter Monday
    # Good Friday 3 April and Easter Monday 6 April are off in Alsace-Moselle.
    alsace = run(tasks, links, start=start, calendar=ALSACE)
    assert early(alsace, "A") == (date(2026, 4, 1), date(2026, 4, 7))
    assert early(alsace, "B") == (date(2026, 4, 8), date(2026, 4, 8))


def test_a_project_starting_on_a_day_off_starts_on_the_next_working_day():
    result = run([Task("A", "A", 1)], start=july(14))
    assert early(result, "A") == (july(15), july(15))
    assert result.start == july(15)


# -- milestones -------------------------------------------------------------------------------------


def test_a_milestone_after_a_task_sits_on_its_finish_and_its_successor_starts_the_next_day():
    tasks = [Task("A", "A", 5), Task("M", "Go-live", milestone=True), Task("C", "C", 1)]
    result = run(tasks, [Link("A", "M"), Link("M", "C")])
    assert early(result, "M") == (july(10), july(10))  # Friday, like MS Project
    assert result.tasks["M"].end_of_day
    assert result.tasks["M"].duration == 0 and result.tasks["M"].milestone
    assert early(result, "C") == (july(13), july(13))


def test_a_milestone_at_the_project_start_or_after_a_start_sits_at_the_start_of_its_day():
    tasks = [Task("K", "Kick-off", 0), Task("A", "A", 3), Task("M", "M", milestone=True, duration=4)]
    result = run(tasks, [Link("K", "A"), Link("A", "M", SS, 1)])
    assert early(result, "K") == (july(6), july(6))
    assert not result.tasks["K"].end_of_day
    assert early(result, "A") == (july(6), july(8))  # a milestone takes no time
    assert early(result, "M") == (july(7), july(7))
    assert not result.tasks["M"].end_of_day


# -- constraints, deadlines, pinned tasks -----------------------------------------------------------


def test_start_no_earlier_than_delays_the_task():
    tasks = [
        Task("A", "A", 2),
        Task("B", "B", 2, constraint=ConstraintType.START_NO_EARLIER_THAN, constraint_date=july(16)),
    ]
    result = run(tasks, [Link("A", "B")])
    assert early(result, "B") == (july(16), july(17))
    assert result.violations == ()
    # A may slip until B's start: Wed 8, Thu 9, Fri 10, Mon 13, Wed 15.
    assert result.tasks["A"].total_float == 5
    assert late(result, "A") == (july(13), july(15))


def test_finish_no_later_than_missed_gives_negative_float_and_a_violation_naming_the_task():
    tasks = [
        Task("A", "Design", 5),
        Task("B", "Build", 3, constraint=ConstraintType.FINISH_NO_LATER_THAN, constraint_date=july(15)),
    ]
    result = run(tasks, [Link("A", "B")])
    assert early(result, "B") == (july(13), july(16))
    assert late(result, "B") == (july(10), july(15))
    assert result.tasks["B"].total_float == -1
    assert result.tasks["A"].total_float == -1
    assert result.critical_path == ("A", "B")
    (violation,) = result.violations
    assert violation.kind is ViolationKind.CONSTRAINT
    assert violation.task_id == "B" and violation.days == 1
    assert "“Build”" in violation.message and "finish no later than" in violation.message


def test_finish_no_later_than_met_bounds_the_float():
    tasks = [
        Task("A", "A", 10),
        Task("B", "B", 2, constraint=ConstraintType.FINISH_NO_LATER_THAN, constraint_date=july(9)),
    ]
    result = run(tasks)
    assert result.violations == ()
    assert result.tasks["B"].total_float == 2  # may finish Thursday 9 instead of Tuesday 7
    assert result.tasks["A"].total_float == 0


def test_a_missed_deadline_is_reported_and_makes_the_path_critical():
    tasks = [Task("A", "A", 4), Task("B", "Acceptance", 2, deadline=july(10)), Task("X", "X", 9)]
    result = run(tasks, [Link("A", "B")])
    assert early(result, "B") == (july(10), july(13))
    (violation,) = result.violations
    assert violation.kind is ViolationKind.DEADLINE and violation.task_id == "B" and violation.days == 1
    assert "“Acceptance”" in violation.message
    assert result.tasks["B"].total_float == -1
    assert result.tasks["X"].total_float == 0  # 9 days: Mon 6 .. Fri 17, the project finish
    assert result.critical_path == ("A", "X", "B")


def test_a_met_deadline_is_not_a_violation():
    result = run([Task("A", "A", 4, deadline=july(9))])
    assert result.violations == ()
    assert result.tasks["A"].total_float == 0


def test_must_start_on_fixes_the_date_and_reports_the_link_it_breaks():
    tasks = [
        Task("A", "Survey", 5),
        Task("B", "Works", 2, constraint=ConstraintType.MUST_START_ON, constraint_date=july(9)),
    ]
    result = run(tasks, [Link("A", "B")])
    assert early(result, "B") == (july(9), july(10))
    (violation,) = result.violations
    assert violation.kind is ViolationKind.LINK
    assert violation.task_id == "B" and violation.other_task_id == "A" and violation.days == 2
    assert "“Works”" in violation.message and "“Survey”" in violation.message


def test_a_manual_task_keeps_its_pinned_dates():
    tasks = [
        Task("A", "A", 2),
        Task("B", "B", 1, manual_start=july(20), manual_finish=july(22)),
        Task("C", "C", 1),
    ]
    result = run(tasks, [Link("A", "B"), Link("B", "C")])
    assert early(result, "B") == (july(20), july(22))
    assert result.tasks["B"].duration == 3
    assert early(result, "C") == (july(23), july(23))
    assert result.violations == ()
    assert result.tasks["A"].free_float == 7  # Wed 8 .. Mon 20: 7 working days (14 July off)


def test_a_manual_task_pinned_before_its_predecessor_allows_is_reported():
    tasks = [Task("A", "A", 3), Task("B", "B", 2, manual_start=july(7))]
    result = run(tasks, [Link("A", "B")])
    assert early(result, "B") == (july(7), july(8))
    (violation,) = result.violations
    assert violation.kind is ViolationKind.LINK and violation.days == 2
    assert result.tasks["A"].total_float == -2
    assert result.tasks["A"].free_float == -2


# -- summary tasks ----------------------------------------------------------------------------------


def test_summary_tasks_roll_up_dates_and_duration_weighted_progress():
    tasks = [
        Task("P", "Phase", 99),  # its own duration is ignored
        Task("A", "A", 3, parent_id="P", percent_complete=50),
        Task("B", "B", 1, parent_id="P", percent_complete=100),
        Task("M", "M", 0, parent_id="P", percent_complete=0),
    ]
    result = run(tasks, [Link("A", "B"), Link("B", "M")])
    phase = result.tasks["P"]
    assert phase.summary
    assert early(result, "P") == (july(6), july(9))
    assert phase.duration == 4
    assert phase.percent_complete == 62.5  # (3 x 50 + 1 x 100) / 4
    assert phase.critical and phase.total_float == 0
    assert early(result, "M") == (july(9), july(9))


def test_nested_summaries_roll_up_through_every_level():
    tasks = [
        Task("P", "Project phase"),
        Task("S", "Sub-phase", parent_id="P"),
        Task("A", "A", 2, parent_id="S", percent_complete=100),
        Task("B", "B", 2, parent_id="P"),
    ]
    result = run(tasks, [Link("A", "B")])
    assert early(result, "S") == (july(6), july(7))
    assert early(result, "P") == (july(6), july(9))
    assert result.tasks["P"].percent_complete == 50


def test_a_link_into_a_summary_holds_back_every_task_inside_it():
    tasks = [
        Task("X", "X", 2),
        Task("P", "Phase"),
        Task("A", "A", 1, parent_id="P"),
        Task("Q", "Sub-phase", parent_id="P"),
        Task("B", "B", 3, parent_id="Q"),
        Task("Y", "Y", 1),
    ]
    result = run(tasks, [Link("X", "P"), Link("P", "Y")])
    assert early(result, "A") == (july(8), july(8))
    assert early(result, "B") == (july(8), july(10))
    assert early(result, "P") == (july(8), july(10))
    assert early(result, "Y") == (july(13), july(13))
    assert result.critical_path == ("X", "B", "Y")
    assert result.tasks["A"].total_float == 2
    assert result.tasks["A"].free_float == 2  # until the phase's finish, which Y waits for
    assert result.tasks["X"].free_float == 0


def test_a_start_to_start_link_into_a_summary_and_a_summary_constraint():
    tasks = [
        Task("X", "X", 4),
        Task("P", "Phase", constraint=ConstraintType.START_NO_EARLIER_THAN, constraint_date=july(8)),
        Task("A", "A", 1, parent_id="P"),
        Task("B", "B", 1, parent_id="P"),
    ]
    result = run(tasks, [Link("X", "P", SS, 1), Link("A", "B")])
    assert early(result, "A") == (july(8), july(8))
    result = run(tasks, [Link("X", "P", SS, 3), Link("A", "B")])
    assert early(result, "A") == (july(9), july(9))
    assert early(result, "B") == (july(10), july(10))


def test_a_start_to_start_link_out_of_a_summary_binds_the_tasks_that_start_it():
    tasks = [
        Task("P", "Phase"),
        Task("A", "A", 2, parent_id="P"),
        Task("B", "B", 5, parent_id="P"),
        Task("Y", "Y", 10),
    ]
    result = run(tasks, [Link("A", "B"), Link("P", "Y", SS, 2)])
    assert early(result, "Y") == (july(8), july(22))
    # Y is the longest path and hangs on the phase's start: A, which starts the phase, is critical;
    # B (Wed 8 .. Wed 15) may slip until the project finish, Wed 22.
    assert result.tasks["A"].total_float == 0
    assert result.tasks["B"].total_float == 5
    assert all(t.total_float >= 0 for t in result.tasks.values())


def test_a_finish_to_finish_link_onto_a_summary_is_refused_naming_both_tasks():
    tasks = [Task("X", "Survey", 2), Task("P", "Works"), Task("A", "Lot 1", 1, parent_id="P")]
    with pytest.raises(SchedulingError) as error:
        run(tasks, [Link("X", "P", FF)])
    assert error.value.code == "summary_link"
    assert "“Survey”" in error.value.message and "“Works”" in error.value.message
    assert error.value.task_ids == ("X", "P")


def test_a_link_between_a_summary_and_its_own_sub_task_is_refused():
    tasks = [Task("P", "Works"), Task("Q", "Lot", parent_id="P"), Task("A", "Lot 1", 1, parent_id="Q")]
    for link in (Link("P", "A"), Link("A", "P", SS)):
        with pytest.raises(SchedulingError) as error:
            run(tasks, [link])
        assert error.value.code == "summary_link_to_child"
        assert "“Works”" in error.value.message and "“Lot 1”" in error.value.message


def test_a_summary_cannot_be_pinned_nor_take_a_fixed_date_constraint():
    tasks = [Task("P", "Works", manual_start=july(6)), Task("A", "A", 1, parent_id="P")]
    with pytest.raises(SchedulingError, match="“Works”") as error:
        run(tasks)
    assert error.value.code == "summary_dates"
    tasks = [
        Task("P", "Works", constraint=ConstraintType.MUST_START_ON, constraint_date=july(6)),
        Task("A", "A", 1, parent_id="P"),
    ]
    with pytest.raises(SchedulingError, match="“Works”") as error:
        run(tasks)
    assert error.value.code == "summary_constraint"


def test_a_task_pinned_before_its_summary_may_start_is_reported():
    tasks = [
        Task("X", "Tender", 3),
        Task("P", "Works"),
        Task("A", "Lot 1", 1, parent_id="P", manual_start=july(7)),
    ]
    result = run(tasks, [Link("X", "P")])
    (violation,) = result.violations
    assert (
        violation.kind is ViolationKind.LINK and violation.task_id == "A" and violation.other_task_id == "P"
    )
    assert violation.days == 2


# -- float and the critical path --------------------------------------------------------------------


def test_free_and_total_float_on_a_diamond():
    # A(2) then two branches to D(1): B(4), and C(1) then E(1). Longest: A, B, D = 7 days.
    tasks = [Task(k, k, d) for k, d in (("A", 2), ("B", 4), ("C", 1), ("E", 1), ("D", 1))]
    links = [Link("A", "B"), Link("A", "C"), Link("C", "E"), Link("B", "D"), Link("E", "D")]
    result = run(tasks, links)
    floats = {k: (t.total_float, t.free_float) for k, t in result.tasks.items()}
    assert floats == {"A": (0, 0), "B": (0, 0), "C": (2, 0), "E": (2, 2), "D": (0, 0)}
    assert early(result, "D") == (july(15), july(15))  # B ends Monday 13, 14 July is off
    assert late(result, "C") == (july(10), july(10))
    assert late(result, "E") == (july(13), july(13))
    assert result.critical_path == ("A", "B", "D")
    assert [k for k, t in result.tasks.items() if t.critical] == ["A", "B", "D"]
    assert (result.start, result.finish) == (july(6), july(15))


def test_an_empty_schedule():
    result = run([])
    assert result.tasks == {} and result.start is None and result.finish is None


# -- errors name the tasks --------------------------------------------------------------------------


def test_a_cycle_is_refused_naming_its_tasks_in_order():
    tasks = [Task(k, name, 1) for k, name in ((1, "Design"), (2, "Build"), (3, "Test"), (4, "Other"))]
    with pytest.raises(SchedulingError) as error:
        run(tasks, [Link(4, 1), Link(1, 2), Link(2, 3), Link(3, 1)])
    assert error.value.code == "cycle"
    assert error.value.task_ids == (1, 2, 3)
    assert "“Design” → “Build” → “Test” → “Design”" in error.value.message
    assert "Other" not in error.value.message


def test_a_cycle_through_a_summary_task_names_it():
    tasks = [Task("P", "Works"), Task("A", "Lot 1", 1, parent_id="P"), Task("B", "Acceptance", 1)]
    with pytest.raises(SchedulingError) as error:
        run(tasks, [Link("P", "B"), Link("B", "A")])
    assert error.value.code == "cycle"
    assert set(error.value.task_ids) == {"P", "A", "B"}
    for name in ("Works", "Lot 1", "Acceptance"):
        assert f"“{name}”" in error.value.message


@pytest.mark.parametrize(
    ("tasks", "links", "code", "names"),
    [
        ([Task(1, "Design", 1)], [Link(1, 1)], "self_link", ["Design"]),
        ([Task(1, "Design", 1)], [Link(1, 99)], "unknown_task", ["Design"]),
        (
            [Task(1, "Design", 1), Task(2, "Build", 1)],
            [Link(1, 2), Link(1, 2, SS)],
            "duplicate_link",
            ["Design", "Build"],
        ),
        ([Task(1, "Design", 1), Task(1, "Build", 1)], [], "duplicate_task", ["Design", "Build"]),
        ([Task(1, "Design", -1)], [], "negative_duration", ["Design"]),
        ([Task(1, "Design", 1, parent_id=7)], [], "unknown_parent", ["Design"]),
        (
            [Task(1, "Design", 1, parent_id=2), Task(2, "Build", 1, parent_id=1)],
            [],
            "parent_cycle",
            ["Design", "Build"],
        ),
        (
            [Task(1, "Design", 1, constraint=ConstraintType.MUST_START_ON)],
            [],
            "constraint_without_date",
            ["Design"],
        ),
        ([Task(1, "Design", 1, manual_finish=july(6))], [], "manual_finish_without_start", ["Design"]),
        ([Task(1, "Design", 1, percent_complete=120)], [], "percent_complete", ["Design"]),
    ],
)
def test_invalid_schedules_are_refused_with_a_message_naming_the_tasks(tasks, links, code, names):
    with pytest.raises(SchedulingError) as error:
        run(tasks, links)
    assert error.value.code == code
    for name in names:
        assert f"“{name}”" in error.value.message


def test_messages_are_translated_with_french_quotes():
    with translation.override("fr"), pytest.raises(SchedulingError) as error:
        run([Task(1, "Conception", 1)], [Link(1, 1)])
    assert "«\u202fConception\u202f»" in error.value.message


# -- properties on random networks ------------------------------------------------------------------


@st.composite
def networks(draw, *, with_summaries=True, with_constraints=False):
    n = draw(st.integers(min_value=1, max_value=25))
    parents: list[int | None] = []
    tasks = []
    for i in range(n):
        parent = None
        if with_summaries and i > 0 and draw(st.booleans()):
            parent = draw(st.integers(min_value=0, max_value=i - 1))
        parents.append(parent)
        duration = draw(st.integers(min_value=0, max_value=8))
        constraint = constraint_date = deadline = None
        if with_constraints:
            constraint = draw(st.sampled_from([None, None, *ConstraintType]))
            if constraint is not None:
                constraint_date = date.fromordinal(MON_6_JULY.toordinal() + draw(st.integers(-5, 60)))
            if draw(st.integers(0, 5)) == 0:
                deadline = date.fromordinal(MON_6_JULY.toordinal() + draw(st.integers(0, 60)))
        manual = None
        if with_constraints and draw(st.integers(0, 6)) == 0:
            manual = date.fromordinal(MON_6_JULY.toordinal() + draw(st.integers(0, 40)))
        tasks.append(
            dict(
                id=i,
                name=f"T{i}",
                duration=duration,
                parent_id=parent,
                constraint=constraint,
                constraint_date=constraint_date,
                deadline=deadline,
                manual_start=manual,
                percent_complete=draw(st.sampled_from([0, 30, 100])),
            )
        )
    has_children = {p for p in parents if p is not None}

    def ancestors(i):
        while parents[i] is not None:
            i = parents[i]
            yield i

    for i in has_children:  # summaries cannot carry fixed dates
        tasks[i].update(manual_start=None)
        if tasks[i]["constraint"] not in (None, *SUMMARY_CONSTRAINTS):
            tasks[i].update(constraint=None, constraint_date=None)
    links = []
    pairs = set()
    for _k in range(draw(st.integers(min_value=0, max_value=2 * n))):
        a = draw(st.integers(min_value=0, max_value=n - 1))
        b = draw(st.integers(min_value=0, max_value=n - 1))
        a, b = min(a, b), max(a, b)
        link_type = draw(st.sampled_from(list(LinkType)))
        if a == b or (a, b) in pairs or a in ancestors(b) or b in ancestors(a):
            continue
        if b in has_children and link_type in (FF, SF):
            continue
        pairs.add((a, b))
        links.append(Link(a, b, link_type, draw(st.integers(min_value=-3, max_value=5))))
    return [Task(**t) for t in tasks], links


def _points(result, task_id, tasks):
    """A task's start and finish as working-day instants from the project start (a day's end is the
    next day's beginning), as the engine counts them; a summary's from its sub-tasks'."""
    task = result.tasks[task_id]
    if task.summary:
        inside = [_points(result, t.id, tasks) for t in tasks if t.parent_id == task_id]
        return min(p[0] for p in inside), max(p[1] for p in inside)
    origin = FR.index(MON_6_JULY)
    start = FR.index(task.early_start) - origin
    if task.milestone:
        start += task.end_of_day
        return start, start
    return start, FR.index(task.early_finish) + 1 - origin


def _schedule_or_reject(tasks, links):
    try:
        return run(tasks, links)
    except SchedulingError as error:
        assume(error.code != "cycle")  # a link out of a summary onto its successors' sub-tasks
        raise


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@PROPERTY_SETTINGS
@given(networks())
def test_every_link_is_honoured_and_floats_are_consistent(network):
    tasks, links = network
    result = _schedule_or_reject(tasks, links)
    assert result.violations == ()
    for link in links:
        a_start, a_finish = _points(result, link.predecessor_id, tasks)
        b_start, b_finish = _points(result, link.successor_id, tasks)
        required = {
            FS: (b_start, a_finish),
            SS: (b_start, a_start),
            FF: (b_finish, a_finish),
            SF: (b_finish, a_start),
        }
        side, reference = required[link.type]
        assert side >= reference + link.lag, link
    leaves = [t for t in result.tasks.values() if not t.summary]
    for task in result.tasks.values():
        assert task.total_float >= 0, task
        assert task.total_float >= task.free_float >= 0, task
        assert task.critical == (task.total_float == 0)
        assert task.early_start >= MON_6_JULY
        assert task.late_start >= task.early_start and task.late_finish >= task.early_finish
    assert result.finish == max(t.early_finish for t in leaves)
    assert result.start == min(t.early_start for t in leaves)
    assert any(t.critical for t in leaves)
    assert set(result.critical_path) == {t.id for t in leaves if t.critical}


@PROPERTY_SETTINGS
@given(networks(with_constraints=True))
def test_constraints_and_pinned_tasks_break_links_only_with_a_reported_violation(network):
    tasks, links = network
    result = _schedule_or_reject(tasks, links)
    if any(t.total_float < 0 for t in result.tasks.values()):
        assert result.violations
    else:
        for task in result.tasks.values():
            assert task.total_float >= task.free_float
    by_id = {t.id: t for t in tasks}
    fixed = {ConstraintType.MUST_START_ON, ConstraintType.MUST_FINISH_ON}

    def pinned(task_id):
        task = by_id[task_id]
        inside = [t for t in tasks if t.parent_id == task_id]
        if inside:
            return any(pinned(t.id) for t in inside)
        return task.manual_start is not None or task.constraint in fixed

    broken_links = {(v.other_task_id, v.task_id) for v in result.violations if v.kind is ViolationKind.LINK}
    for link in links:
        a_start, a_finish = _points(result, link.predecessor_id, tasks)
        b_start, b_finish = _points(result, link.successor_id, tasks)
        side, reference = {
            FS: (b_start, a_finish),
            SS: (b_start, a_start),
            FF: (b_finish, a_finish),
            SF: (b_finish, a_start),
        }[link.type]
        if side < reference + link.lag:
            # Only a pinned task may break a link, and the break is reported.
            assert pinned(link.successor_id), link
            if not result.tasks[link.successor_id].summary:
                assert (link.predecessor_id, link.successor_id) in broken_links
    for task in tasks:
        scheduled = result.tasks[task.id]
        if task.constraint is ConstraintType.START_NO_EARLIER_THAN and not pinned(task.id):
            assert scheduled.early_start >= task.constraint_date
        if task.constraint is ConstraintType.FINISH_NO_EARLIER_THAN and not pinned(task.id):
            assert scheduled.early_finish >= FR.previous_working_day(task.constraint_date)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=30), st.data())
def test_a_cycle_error_names_a_real_cycle(n, data):
    tasks = [Task(i, f"T{i}", 1) for i in range(n)]
    pairs = data.draw(
        st.sets(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]), min_size=1
        )
    )
    links = [Link(a, b) for a, b in pairs]
    sorter = graphlib.TopologicalSorter({i: set() for i in range(n)})
    for a, b in pairs:
        sorter.add(b, a)
    try:
        sorter.prepare()
        acyclic = True
    except graphlib.CycleError:
        acyclic = False
    try:
        run(tasks, links)
    except SchedulingError as error:
        assert not acyclic
        assert error.code == "cycle"
        cycle = error.task_ids
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            assert (a, b) in pairs
    else:
        assert acyclic


def test_a_calendar_without_holidays_gives_the_same_network_shape():
    calendar = WorkingCalendar()
    result = run([Task("A", "A", 5), Task("B", "B", 1)], [Link("A", "B")], calendar=calendar)
    assert early(result, "B") == (july(13), july(13))


def test_wbs_numbers_follow_the_tree_and_the_input_order():
    tasks = [
        Task("P", "Cadrage"),
        Task("A", "Note de cadrage", 5, parent_id="P"),
        Task("Q", "Conception"),
        Task("M", "COPIL de lancement", 0, parent_id="P"),
        Task("B", "Spécifications", 10, parent_id="Q"),
        Task("C", "Maquettes", 4, parent_id="B"),
    ]
    assert wbs_numbers(tasks) == {"P": "1", "A": "1.1", "Q": "2", "M": "1.2", "B": "2.1", "C": "2.1.1"}
    with pytest.raises(SchedulingError) as error:
        wbs_numbers([Task(1, "Design", parent_id=2), Task(2, "Build", parent_id=1)])
    assert error.value.code == "parent_cycle"


def test_the_benchmark_generates_a_valid_network_with_nested_summaries():
    figures = bench_scheduler(n_tasks=300, n_links=600, repeat=1)
    assert figures["tasks"] == 300 and figures["links"] == 600
    assert figures["summaries"] > 3
    assert figures["critical_tasks"] > 0
    assert figures["seconds_median"] > 0
