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

from collections.abc import Callable, Iterable, Mapping
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
_DEFAULT_ANCHOR = date(2000, 1, 3)


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
        # The index covers ordinals [_lo, _hi). _before[i] = working days in [_lo, _lo + i);
        # _working = ordinals of the working days in the range, ascending; _shift = working days in
        # [_lo, anchor), so a public index is a position in _working minus _shift.
        # The anchor is the first day asked about unless given: the index then starts around the
        # dates in use instead of around an arbitrary epoch.
        self._anchor = 0
        self._lo = self._hi = 0
        self._before: list[int] = [0]
        self._working: list[int] = []
        self._shift = 0
        if anchor is not None:
            self._start(anchor.toordinal())

    def _start(self, ordinal: int) -> None:
        self._anchor = self._lo = self._hi = ordinal
        self._build(ordinal - _MARGIN_DAYS, ordinal + _MARGIN_DAYS)

    # -- the index ----------------------------------------------------------------------------------

    def _load_years(self, first: int, last: int) -> None:
        if self._holiday_source is None:
            return
        for year in range(first, last + 1):
            if year not in self._loaded_years:
                self._loaded_years.add(year)
                for day, name in self._holiday_source(year).items():
                    self._holidays.setdefault(day, name)

    def _build(self, lo: int, hi: int) -> None:
        lo = max(min(lo, self._lo), date.min.toordinal())
        hi = min(max(hi, self._hi), date.max.toordinal())
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
        self._lo, self._hi, self._before, self._working = lo, hi, before, working
        self._shift = before[self._anchor - lo] if lo <= self._anchor <= hi else 0

    def _ensure(self, ordinal: int) -> None:
        if self._lo == self._hi:
            self._start(ordinal)
        elif ordinal < self._lo:
            # Grow geometrically so a long walk backwards rebuilds O(log) times.
            self._build(ordinal - max(_MARGIN_DAYS, self._hi - self._lo), self._hi)
        elif ordinal >= self._hi:
            self._build(self._lo, ordinal + 1 + max(_MARGIN_DAYS, self._hi - self._lo))

    def index(self, day: date) -> int:
        """Working days from the anchor to `day` (signed): for a working day, `date_at(index(d)) == d`;
        a non-working day gets the index of the first working day after it."""
        ordinal = day.toordinal()
        self._ensure(ordinal)
        return self._before[ordinal - self._lo] - self._shift

    def date_at(self, index: int) -> date:
        """The working day numbered `index` (the inverse of `index` on working days)."""
        if self._lo == self._hi:
            self._start(_DEFAULT_ANCHOR.toordinal())
        position = index + self._shift
        while position < 0:
            self._build(self._lo - max(_MARGIN_DAYS, (-position) * 2 + 14, self._hi - self._lo), self._hi)
            position = index + self._shift
        while position >= len(self._working):
            missing = position - len(self._working) + 1
            self._build(self._lo, self._hi + max(_MARGIN_DAYS, missing * 2 + 14, self._hi - self._lo))
            position = index + self._shift
        return date.fromordinal(self._working[position])

    # -- questions about one day --------------------------------------------------------------------

    def is_working(self, day: date) -> bool:
        """Whether `day` is worked: a working weekday, not a holiday, not a closure."""
        ordinal = day.toordinal()
        self._ensure(ordinal)
        i = ordinal - self._lo
        return self._before[i + 1] != self._before[i]

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's display name on `day` (\"\" when unnamed), or None."""
        self._ensure(day.toordinal())
        return self._holidays.get(day)

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """The public holidays from `start` to `end` inclusive, in date order, with their names."""
        self._ensure(start.toordinal())
        self._ensure(end.toordinal())
        return sorted((d, name) for d, name in self._holidays.items() if start <= d <= end)

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
    wanted = sorted(set(years))
    if wanted:
        calendar._load_years(wanted[0], wanted[-1])
    return calendar
