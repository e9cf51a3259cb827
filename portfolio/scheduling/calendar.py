"""A pure working calendar: which days are worked, and working-day arithmetic in O(1) / O(log n).

A day is *working* when its weekday is a working weekday, it is not a public holiday and it is not a
closure (an exception such as the week between Christmas and New Year). The calendar keeps, over a
range of days it extends lazily, the ordinal of every working day and, for every day, how many
working days precede it; every operation is then an array lookup.

Working-day *indices* number the working days in order: `index(d)` is the number of working days
between a fixed anchor and `d` (signed), so `date_at(index(d)) == d` for a working day `d`, and a
non-working day gets the index of the next working day. Differences of indices count working days
and do not depend on the anchor, nor on how far the calendar has been extended.

Durations follow MS Project: a task of D working days starting on working day S finishes on the D-th
working day counting S as day 1 (`finish_date`); a milestone (duration 0) finishes on its start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MONDAY_TO_FRIDAY: frozenset[int] = frozenset({0, 1, 2, 3, 4})

# Subdivisions of the `holidays` package that Pilotis offers: metropolitan France (None) and
# Alsace-Moselle, which the package splits into Moselle ("57") and Bas-Rhin/Haut-Rhin ("6AE"); both
# add Good Friday and St Stephen's Day (26 December).
ALSACE_MOSELLE = "6AE"
FRENCH_SUBDIVISIONS: dict[str | None, str | None] = {
    None: None,
    "": None,
    "57": "57",
    "6AE": "6AE",
    "67": "6AE",
    "68": "6AE",
    "alsace-moselle": "6AE",
}

HolidaySource = Callable[[int], Mapping[date, str]]
Closure = date | tuple[date, date]

# How far the calendar reaches around the dates it is asked about when it first builds its index.
_MARGIN_DAYS = 366
# Indices count from here when `date_at` is called before any date was asked about.
_DEFAULT_ANCHOR = date(2000, 1, 3).toordinal()


@dataclass(frozen=True, slots=True)
class _Index:
    """Working days over the ordinals [lo, hi): before[i] = working days in [lo, lo + i), working =
    their ordinals in order, shift = working days in [lo, anchor) (an index is a position in
    `working` minus `shift`)."""

    lo: int
    hi: int
    before: list[int]
    working: list[int]
    shift: int


def _expand_closures(closures: Iterable[Closure]) -> frozenset[date]:
    days: set[date] = set()
    for item in closures:
        if isinstance(item, tuple):
            start, end = item
            if end < start:
                raise ValueError(f"Closure range ends before it starts: {start} to {end}.")
            days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
        else:
            days.add(item)
    return frozenset(days)


class WorkingCalendar:
    """Working days = `weekdays` (0 = Monday) minus `holidays` minus `closures`.

    `holidays` maps each public holiday to its display name (a plain set of dates is accepted too).
    `holiday_source`, when given, supplies the holidays of any further year the calendar reaches
    (`french_calendar` passes the `holidays` package); without it, days outside the given holidays
    are only subject to the weekdays and closures. `closures` are single days or inclusive
    `(start, end)` ranges.
    """

    def __init__(
        self,
        *,
        weekdays: Iterable[int] = MONDAY_TO_FRIDAY,
        holidays: Mapping[date, str] | Iterable[date] = (),
        closures: Iterable[Closure] = (),
        holiday_source: HolidaySource | None = None,
        anchor: date | None = None,
    ) -> None:
        self.weekdays = frozenset(weekdays)
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("A working calendar needs at least one working weekday among 0 (Monday) to 6.")
        self._holidays: dict[date, str] = (
            dict(holidays) if isinstance(holidays, Mapping) else dict.fromkeys(holidays, "")
        )
        self.closures = _expand_closures(closures)
        self._holiday_source = holiday_source
        self._loaded_years: set[int] = set()
        # The anchor is the first day asked about unless given: the index then starts around the
        # dates in use instead of around an arbitrary epoch.
        self._anchor: int | None = anchor.toordinal() if anchor is not None else None
        # Readers take `_index` once and use that snapshot; builds replace it whole under the lock,
        # so one calendar can be shared between threads.
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def with_closures(self, closures: Iterable[Closure]) -> WorkingCalendar:
        """This calendar with more closed days (e.g. a project's exceptions on top of the
        organisation's), sharing its holidays and the years already loaded."""
        calendar = WorkingCalendar(
            weekdays=self.weekdays,
            holidays=dict(self._holidays),
            closures=self.closures | _expand_closures(closures),
            holiday_source=self._holiday_source,
        )
        calendar._loaded_years = set(self._loaded_years)
        return calendar

    # -- the index ----------------------------------------------------------------------------------

    def _load_years(self, first: int, last: int) -> None:
        if self._holiday_source is None:
            return
        for year in range(first, last + 1):
            if year not in self._loaded_years:
                self._loaded_years.add(year)
                for day, name in self._holiday_source(year).items():
                    self._holidays.setdefault(day, name)

    def _build(self, lo: int, hi: int) -> _Index:
        lo = max(lo, date.min.toordinal())
        hi = min(hi, date.max.toordinal())
        self._load_years(date.fromordinal(lo).year, date.fromordinal(hi - 1).year)
        weekdays, holidays, closures = self.weekdays, self._holidays, self.closures
        before = [0] * (hi - lo + 1)
        working: list[int] = []
        count = 0
        for i, ordinal in enumerate(range(lo, hi)):
            before[i] = count
            day = date.fromordinal(ordinal)
            if day.weekday() in weekdays and day not in holidays and day not in closures:
                working.append(ordinal)
                count += 1
        before[hi - lo] = count
        assert self._anchor is not None and lo <= self._anchor <= hi
        return _Index(lo, hi, before, working, before[self._anchor - lo])

    def _cover(self, ordinal: int) -> _Index:
        """The index, extended if needed so that it covers `ordinal`."""
        index = self._index
        if index is not None and index.lo <= ordinal < index.hi:
            return index
        with self._lock:
            index = self._index
            if index is None:
                if self._anchor is None:
                    self._anchor = ordinal
                low = min(ordinal, self._anchor)
                high = max(ordinal, self._anchor) + 1
                index = self._build(low - _MARGIN_DAYS, high + _MARGIN_DAYS)
            elif ordinal < index.lo:
                # Grow geometrically so that a long walk rebuilds O(log) times.
                index = self._build(ordinal - max(_MARGIN_DAYS, index.hi - index.lo), index.hi)
            elif ordinal >= index.hi:
                index = self._build(index.lo, ordinal + 1 + max(_MARGIN_DAYS, index.hi - index.lo))
            self._index = index
            return index

    def index(self, day: date) -> int:
        """Working days from the anchor to `day` (signed): for a working day, `date_at(index(d)) == d`;
        a non-working day gets the index of the first working day after it."""
        ordinal = day.toordinal()
        index = self._cover(ordinal)
        return index.before[ordinal - index.lo] - index.shift

    def date_at(self, index: int) -> date:
        """The working day numbered `index` (the inverse of `index` on working days)."""
        snapshot = self._index or self._cover(self._anchor if self._anchor is not None else _DEFAULT_ANCHOR)
        while True:
            position = index + snapshot.shift
            if position < 0:
                reach = max(_MARGIN_DAYS, -position * 2 + 14)
                snapshot = self._cover(snapshot.lo - reach)
            elif position >= len(snapshot.working):
                reach = max(_MARGIN_DAYS, (position - len(snapshot.working)) * 2 + 14)
                snapshot = self._cover(snapshot.hi + reach)
            else:
                return date.fromordinal(snapshot.working[position])

    # -- questions about one day --------------------------------------------------------------------

    def is_working(self, day: date) -> bool:
        """Whether `day` is worked: a working weekday, not a holiday, not a closure."""
        ordinal = day.toordinal()
        index = self._cover(ordinal)
        i = ordinal - index.lo
        return index.before[i + 1] != index.before[i]

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's display name on `day` (\"\" when unnamed), or None."""
        self._cover(day.toordinal())
        return self._holidays.get(day)

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """The public holidays from `start` to `end` inclusive, in date order, with their names."""
        self._cover(start.toordinal())
        self._cover(end.toordinal())
        return sorted((d, name) for d, name in list(self._holidays.items()) if start <= d <= end)

    # -- arithmetic ---------------------------------------------------------------------------------

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is worked, else the first working day after it."""
        return self.date_at(self.index(day))

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is worked, else the last working day before it."""
        return self.date_at(self.index(day + timedelta(days=1)) - 1)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0), before it (n < 0), or `day` itself (n = 0).

        `day` itself never counts, worked or not: from Friday 3 July 2026, +1 is Monday 6 July and
        -1 is Thursday 2 July; `working_days_between(d, add_working_days(d, n)) == n` for a working d.
        """
        if n == 0:
            return day
        if n > 0:
            return self.date_at(self.index(day + timedelta(days=1)) + n - 1)
        return self.date_at(self.index(day) + n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in [start, end) when start <= end, minus those in [end, start) otherwise."""
        return self.index(end) - self.index(start)

    def working_days_in(self, start: date, finish: date) -> int:
        """Working days from `start` to `finish`, both included (0 when finish < start)."""
        return max(0, self.index(finish + timedelta(days=1)) - self.index(start))

    def finish_date(self, start: date, duration: int) -> date:
        """The finish of a task of `duration` working days starting on `start` (moved to the next
        working day if needed): its `duration`-th working day, `start` counting as day 1; a milestone
        (duration 0) finishes on its (working) start."""
        if duration < 0:
            raise ValueError("A duration cannot be negative.")
        return self.date_at(self.index(start) + max(duration - 1, 0))

    def start_date(self, finish: date, duration: int) -> date:
        """The start of a task of `duration` working days finishing on `finish` (moved back to the
        previous working day if needed); the inverse of `finish_date`."""
        if duration < 0:
            raise ValueError("A duration cannot be negative.")
        return self.date_at(self.index(finish + timedelta(days=1)) - max(duration, 1))


def french_calendar(
    years: Iterable[int] = (),
    *,
    subdiv: str | None = None,
    extra_closed: Iterable[Closure] = (),
    weekdays: Iterable[int] = MONDAY_TO_FRIDAY,
) -> WorkingCalendar:
    """Monday to Friday minus French public holidays (names in French) minus `extra_closed`.

    `subdiv` None is metropolitan France; "57", "6AE" (or "67", "68", "alsace-moselle") is
    Alsace-Moselle, which adds Good Friday and 26 December. `years` are loaded at once; any other
    year is loaded the first time the calendar reaches it.
    """
    import holidays as holidays_package  # imported here: only calendars built from it need it

    if subdiv not in FRENCH_SUBDIVISIONS:
        raise ValueError(f"Unknown French subdivision {subdiv!r}: use None (metropolitan) or '57'/'6AE'.")
    package_subdiv = FRENCH_SUBDIVISIONS[subdiv]

    def source(year: int) -> Mapping[date, str]:
        return holidays_package.country_holidays("FR", years=year, subdiv=package_subdiv, language="fr")

    calendar = WorkingCalendar(weekdays=weekdays, closures=extra_closed, holiday_source=source)
    for year in sorted(set(years)):
        calendar._load_years(year, year)
    return calendar
