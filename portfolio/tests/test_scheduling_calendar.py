"""The working calendar: French public holidays, Alsace-Moselle, closures, working-day arithmetic.

Pure: no database. Dates were checked by hand on a 2026 calendar (14 July is a Tuesday, Ascension is
Thursday 14 May, Good Friday is 3 April, Christmas is a Friday).
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.scheduling.calendar import WorkingCalendar, french_calendar

FR = french_calendar([2026])
ALSACE = french_calendar([2026], subdiv="57")


def test_french_public_holidays_are_not_worked_and_keep_their_french_names():
    assert not FR.is_working(date(2026, 7, 14))
    assert FR.holiday_name(date(2026, 7, 14)) == "Fête nationale"
    assert not FR.is_working(date(2026, 5, 14))
    assert FR.holiday_name(date(2026, 5, 14)) == "Ascension"
    assert not FR.is_working(date(2026, 12, 25))
    assert FR.is_working(date(2026, 7, 13))
    assert FR.holiday_name(date(2026, 7, 13)) is None
    assert not FR.is_working(date(2026, 7, 11))  # Saturday
    assert not FR.is_working(date(2026, 7, 12))  # Sunday


def test_alsace_moselle_adds_good_friday_and_st_stephens_day():
    good_friday, st_stephen = date(2026, 4, 3), date(2025, 12, 26)
    assert FR.is_working(good_friday)
    assert FR.is_working(st_stephen)
    for subdiv in ("57", "6AE", "67", "alsace-moselle"):
        calendar = french_calendar([2026], subdiv=subdiv)
        assert not calendar.is_working(good_friday), subdiv
        assert calendar.holiday_name(good_friday) == "Vendredi saint"
        assert not calendar.is_working(st_stephen), subdiv


def test_an_unknown_subdivision_is_refused():
    with pytest.raises(ValueError, match="Unknown French subdivision"):
        french_calendar(subdiv="971x")


def test_holidays_between_lists_them_in_order_with_names():
    assert FR.holidays_between(date(2026, 5, 1), date(2026, 5, 31)) == [
        (date(2026, 5, 1), "Fête du Travail"),
        (date(2026, 5, 8), "Fête de la Victoire"),
        (date(2026, 5, 14), "Ascension"),
        (date(2026, 5, 25), "Lundi de Pentecôte"),
    ]


def test_years_not_loaded_at_first_are_loaded_when_reached():
    calendar = french_calendar([2026])
    assert not calendar.is_working(date(2040, 12, 25))
    assert calendar.holiday_name(date(2040, 5, 10)) == "Ascension"  # Easter 2040 is 1 April
    assert not calendar.is_working(date(1999, 7, 14))


def test_closures_as_days_and_inclusive_ranges():
    calendar = french_calendar(
        [2026], extra_closed=[(date(2026, 12, 28), date(2026, 12, 31)), date(2026, 8, 14)]
    )
    assert not calendar.is_working(date(2026, 8, 14))
    assert [calendar.is_working(date(2026, 12, d)) for d in (24, 28, 29, 30, 31)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    # From Thursday 24 December: Christmas, the weekend, the closed week and New Year's Day.
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2027, 1, 4)
    with pytest.raises(ValueError, match="ends before it starts"):
        WorkingCalendar(closures=[(date(2026, 1, 2), date(2026, 1, 1))])


def test_add_working_days_skips_weekends_and_holidays_both_ways():
    assert FR.add_working_days(date(2026, 7, 10), 1) == date(2026, 7, 13)  # Friday -> Monday
    assert FR.add_working_days(date(2026, 7, 13), 1) == date(2026, 7, 15)  # over 14 July
    assert FR.add_working_days(date(2026, 7, 10), 3) == date(2026, 7, 16)
    assert FR.add_working_days(date(2026, 7, 15), -1) == date(2026, 7, 13)
    assert FR.add_working_days(date(2026, 7, 15), -3) == date(2026, 7, 9)
    assert FR.add_working_days(date(2026, 7, 15), 0) == date(2026, 7, 15)
    # From a day off, the day itself does not count.
    assert FR.add_working_days(date(2026, 7, 11), 1) == date(2026, 7, 13)
    assert FR.add_working_days(date(2026, 7, 11), -1) == date(2026, 7, 10)
    assert FR.add_working_days(date(2026, 7, 14), 1) == date(2026, 7, 15)
    assert FR.add_working_days(date(2026, 7, 14), -1) == date(2026, 7, 13)


def test_working_days_between_is_signed_and_half_open():
    assert FR.working_days_between(date(2026, 7, 10), date(2026, 7, 15)) == 2  # Fri, Mon
    assert FR.working_days_between(date(2026, 7, 15), date(2026, 7, 10)) == -2
    assert FR.working_days_between(date(2026, 7, 13), date(2026, 7, 13)) == 0
    assert (
        FR.working_days_between(date(2026, 1, 1), date(2027, 1, 1)) == 252
    )  # 261 weekdays - 9 holidays on weekdays
    assert FR.working_days_in(date(2026, 7, 13), date(2026, 7, 17)) == 4
    assert FR.working_days_in(date(2026, 7, 17), date(2026, 7, 13)) == 0


def test_next_and_previous_working_day_keep_a_working_day():
    assert FR.next_working_day(date(2026, 7, 13)) == date(2026, 7, 13)
    assert FR.next_working_day(date(2026, 7, 11)) == date(2026, 7, 13)
    assert FR.next_working_day(date(2026, 7, 14)) == date(2026, 7, 15)
    assert FR.previous_working_day(date(2026, 7, 14)) == date(2026, 7, 13)
    assert FR.previous_working_day(date(2026, 7, 12)) == date(2026, 7, 10)
    assert FR.previous_working_day(date(2026, 7, 10)) == date(2026, 7, 10)


def test_finish_date_counts_the_start_as_day_one_and_milestones_finish_on_their_start():
    assert FR.finish_date(date(2026, 7, 13), 1) == date(2026, 7, 13)
    assert FR.finish_date(date(2026, 7, 13), 3) == date(2026, 7, 16)  # Mon, (14 July), Wed, Thu
    assert FR.finish_date(date(2026, 5, 11), 5) == date(2026, 5, 18)  # over Ascension and a weekend
    assert FR.finish_date(date(2026, 7, 13), 0) == date(2026, 7, 13)
    assert FR.finish_date(date(2026, 7, 11), 1) == date(2026, 7, 13)  # a Saturday start moves to Monday
    assert FR.start_date(date(2026, 7, 16), 3) == date(2026, 7, 13)
    assert ALSACE.finish_date(date(2026, 4, 1), 3) == date(2026, 4, 7)  # Good Friday, Easter Monday
    assert FR.finish_date(date(2026, 4, 1), 3) == date(2026, 4, 3)
    with pytest.raises(ValueError):
        FR.finish_date(date(2026, 7, 13), -1)


def test_other_working_weeks_and_plain_holiday_sets():
    six_days = WorkingCalendar(weekdays={0, 1, 2, 3, 4, 5}, holidays={date(2026, 7, 14)})
    assert six_days.add_working_days(date(2026, 7, 10), 1) == date(2026, 7, 11)
    assert six_days.add_working_days(date(2026, 7, 13), 1) == date(2026, 7, 15)
    assert six_days.holiday_name(date(2026, 7, 14)) == ""
    with pytest.raises(ValueError, match="at least one working weekday"):
        WorkingCalendar(weekdays=set())


def _naive_is_working(calendar: WorkingCalendar, day: date) -> bool:
    return day.weekday() < 5 and calendar.holiday_name(day) is None and day not in calendar.closures


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2070, 12, 31)),
    n=st.integers(min_value=-400, max_value=400),
)
def test_arithmetic_agrees_with_counting_day_by_day(day, n):
    calendar = french_calendar(extra_closed=[(date(2030, 12, 23), date(2031, 1, 2))])
    result = calendar.add_working_days(day, n)
    assert calendar.is_working(result) or n == 0
    assert calendar.is_working(day) == _naive_is_working(calendar, day)
    # Walk day by day from `day` and count the working days passed.
    step = timedelta(days=1 if n >= 0 else -1)
    walked, count = day, 0
    while count < abs(n):
        walked += step
        count += _naive_is_working(calendar, walked)
    assert result == walked
    if calendar.is_working(day):
        assert calendar.working_days_between(day, result) == n
        assert calendar.date_at(calendar.index(day)) == day


def test_a_project_calendar_adds_its_closures_to_the_organisations():
    organisation = french_calendar([2026], extra_closed=[date(2026, 8, 14)])
    project = organisation.with_closures([(date(2026, 8, 17), date(2026, 8, 21))])
    assert not project.is_working(date(2026, 8, 14))
    assert not project.is_working(date(2026, 8, 19))
    assert not project.is_working(date(2026, 7, 14))
    assert not project.is_working(date(2035, 7, 14))  # later years still come from the holidays package
    assert organisation.is_working(date(2026, 8, 19))  # the organisation's calendar is unchanged
    assert project.add_working_days(date(2026, 8, 13), 1) == date(2026, 8, 24)
