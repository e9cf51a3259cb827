"""The pure drift comparison (no database)."""

from datetime import date

from portfolio.scheduling.calendar import french_calendar
from portfolio.scheduling.drift import (
    ProjectDates,
    Status,
    TaskDates,
    TrendPoint,
    compare,
    compare_portfolio,
    drift_tone,
    milestone_trend,
)

CAL = french_calendar([2026])


def t(key, wbs, start, finish, duration=1, milestone=False, name=None):
    return TaskDates(key, wbs, name or f"T{key}", start, finish, duration, milestone)


def test_drift_counts_working_days_across_a_weekend_and_a_holiday():
    # Thu 7 May 2026 → Mon 11 May 2026: Friday 8 May is VE Day (holiday), then a weekend: 1 working day.
    before = [t(1, "1", date(2026, 5, 4), date(2026, 5, 7), 4)]
    after = [t(1, "1", date(2026, 5, 5), date(2026, 5, 11), 4)]
    result = compare(before, after, CAL)
    (row,) = result.rows
    assert row.status == Status.MOVED
    assert row.start_drift == 1
    assert row.finish_drift == 1
    assert row.tone == "warning"
    assert result.finish_drift == 1


def test_ahead_same_added_removed_and_wbs_order():
    before = [
        t(1, "1", date(2026, 3, 2), date(2026, 3, 6), 5),
        t(2, "2", date(2026, 3, 9), date(2026, 3, 13), 5),
        t(3, "10", date(2026, 3, 16), date(2026, 3, 16), 0, milestone=True),
    ]
    after = [
        t(1, "1", date(2026, 3, 2), date(2026, 3, 6), 5),
        t(3, "10", date(2026, 3, 13), date(2026, 3, 13), 0, milestone=True),
        t(4, "9", date(2026, 3, 9), date(2026, 3, 10), 2),
    ]
    result = compare(before, after, CAL)
    by_key = {r.key: r for r in result.rows}
    assert by_key[1].status == Status.SAME and by_key[1].finish_drift == 0 and by_key[1].tone == "neutral"
    assert by_key[2].status == Status.REMOVED and by_key[2].finish is None
    assert by_key[3].finish_drift == -1 and by_key[3].tone == "success"
    assert by_key[4].status == Status.ADDED
    assert (result.added, result.removed, result.moved) == (1, 1, 1)
    assert [r.wbs for r in result.rows] == ["1", "2", "9", "10"]


def test_late_milestones_and_danger_tone():
    before = [t(1, "1", date(2026, 1, 5), date(2026, 1, 5), 0, milestone=True)]
    after = [t(1, "1", date(2026, 3, 2), date(2026, 3, 2), 0, milestone=True)]
    result = compare(before, after, CAL)
    assert result.milestones_late == 1
    assert result.rows[0].tone == "danger"
    assert drift_tone(None) == "neutral"


def test_missing_dates_give_no_drift():
    result = compare([t(1, "1", None, None)], [t(1, "1", date(2026, 1, 5), date(2026, 1, 5))], CAL)
    assert result.rows[0].finish_drift is None
    assert result.rows[0].tone == "neutral"


def test_milestone_trend_one_series_per_milestone_with_gaps():
    m = lambda key, day, name: TaskDates(key, "", name, day, day, 0, True)  # noqa: E731
    points = [
        TrendPoint(
            "COPIL 1", date(2026, 1, 10), [m(1, date(2026, 3, 2), "Go"), m(2, date(2026, 6, 1), "MEP")]
        ),
        TrendPoint("COPIL 2", date(2026, 4, 10), [m(1, date(2026, 3, 9), "Go")]),
        TrendPoint("today", date(2026, 5, 1), [m(1, date(2026, 3, 9), "Go"), m(2, date(2026, 7, 1), "Prod")]),
    ]
    trend = milestone_trend(points)
    assert trend.labels == ["COPIL 1", "COPIL 2", "today"]
    assert trend.series == [
        (1, "Go", [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 9)]),
        (2, "Prod", [date(2026, 6, 1), None, date(2026, 7, 1)]),
    ]


def test_portfolio_comparison():
    before = [
        ProjectDates(
            1, "A", "A", None, date(2026, 6, 30), None, date(2026, 6, 30), [(10, "MEP", date(2026, 6, 1))]
        ),
        ProjectDates(2, "B", "B", None, date(2026, 6, 30), None, None),
    ]
    after = [
        ProjectDates(
            1, "A", "A", None, date(2026, 6, 30), None, date(2026, 7, 7), [(10, "MEP", date(2026, 6, 8))]
        ),
        ProjectDates(3, "C", "C", None, date(2026, 9, 30), None, None),
    ]
    rows = {r.key: r for r in compare_portfolio(before, after, CAL)}
    assert rows[1].end_drift == 5 and rows[1].status == Status.MOVED and rows[1].tone == "warning"
    assert rows[1].milestones == [("MEP", date(2026, 6, 1), date(2026, 6, 8), 5)]
    assert rows[2].status == Status.REMOVED
    assert rows[3].status == Status.ADDED
