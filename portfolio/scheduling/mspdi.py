"""MS Project XML (MSPDI) read and write, pure: bytes in, plain dataclasses out (and back). No ORM.

`parse_mspdi(data)` reads a file saved by Microsoft Project (2002-2019) or MPXJ into a
`ParsedSchedule`: the tasks as a WBS tree (from each task's OutlineLevel, in file order), durations in
working days, milestones, progress, manual scheduling, constraints, deadlines, notes, the four link
types with their lags in working days, the project calendar's closed days, and the assignees' names.
What Pilotis cannot represent is mapped as closely as it can be and *listed* in `report` (codes and
counts), never silently dropped. The project summary task (UID 0) is the project itself, not a task.

Safety: the file is parsed by `defusedxml` with DTDs forbidden (so no entity expansion "billion
laughs", no external entity), its size is capped (`MAX_BYTES`), and any unreadable value raises
`MspdiError` naming the element (and the line for a malformed document).

`write_mspdi(project, tasks, links, calendar)` writes a file Microsoft Project and MPXJ open: the
project summary task, UIDs, IDs, outline numbers and levels, dates, durations (PTnH0M0S at 8 hours a
day), milestones, summaries, progress, constraints, deadlines, notes, predecessor links (LinkLag in
tenths of minutes, LagFormat 7 = days) and the project calendar (Monday-Friday 08:00-12:00 and
13:00-17:00) with public holidays and closures as exceptions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portfolio.scheduling.calendar import WorkingCalendar

NAMESPACE = "http://schemas.microsoft.com/project"
_NS = "{" + NAMESPACE + "}"
MAX_BYTES = 10 * 1024 * 1024
MAX_TASKS = 10_000
MAX_CLOSED_DAYS = 20_000
EXPORT_MINUTES_PER_DAY = 480
NO_RESOURCE_UID = -65535

# PredecessorLink/Type
LINK_TYPES = {"0": "FF", "1": "FS", "2": "SF", "3": "SS"}
LINK_CODES = {value: int(key) for key, value in LINK_TYPES.items()}
# Task/ConstraintType -> engine.ConstraintType values ("" = as soon as possible)
CONSTRAINTS = {"0": "", "2": "mso", "3": "mfo", "4": "snet", "5": "snlt", "6": "fnet", "7": "fnlt"}
CONSTRAINT_CODES = {value: int(key) for key, value in CONSTRAINTS.items()}
ALAP = "1"
SUMMARY_CONSTRAINTS = frozenset({"", "snet", "fnlt"})
# Duration and lag format codes; "estimated" variants are the same plus 32.
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12})
PERCENT_FORMATS = frozenset({19, 20})
LAG_FORMAT_DAYS = 7

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class MspdiError(ValueError):
    """The file cannot be imported: `message` says why (and where: line, element, task)."""

    def __init__(self, message: str, *, line: int | None = None, element: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.element = element


@dataclass(slots=True)
class ReportItem:
    """One thing the import mapped approximately or ignored: a stable `code`, a message for the
    user, how many elements it concerns and a few examples (task names)."""

    code: str
    message: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedTask:
    uid: int
    name: str
    parent_uid: int | None
    outline_level: int
    outline_number: str
    duration: int
    milestone: bool
    summary: bool
    manual: bool
    start: date | None
    finish: date | None
    percent_complete: int
    constraint_type: str
    constraint_date: date | None
    deadline: date | None
    notes: str
    assignee_names: list[str]
    estimate_days: Decimal | None
    wbs: str = ""


@dataclass(slots=True)
class ParsedLink:
    predecessor_uid: int
    successor_uid: int
    type: str
    lag: int


@dataclass(slots=True)
class ParsedClosure:
    name: str
    start: date
    end: date


@dataclass(slots=True)
class ParsedSchedule:
    """A file's schedule. `tasks` are in file (WBS pre-)order; `report` lists what was mapped or
    ignored; `null_tasks` counts the blank rows skipped."""

    name: str
    start: date | None
    finish: date | None
    minutes_per_day: int
    tasks: list[ParsedTask]
    links: list[ParsedLink]
    closures: list[ParsedClosure]
    working_weekdays: frozenset[int]
    null_tasks: int
    report: list[ReportItem]
    resources: list[str]


# -- reading helpers ----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag[len(_NS) :] if tag.startswith(_NS) else tag


def _text(element: Element, name: str) -> str | None:
    child = element.find(_NS + name)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None


def _where(owner: str, name: str) -> str:
    return f"{owner} <{name}>"


def _int(element: Element, name: str, owner: str, default: int | None = None) -> int | None:
    text = _text(element, name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and abs(value) < 1e15:
            return int(value)
        raise MspdiError(
            _("%(where)s: “%(value)s” is not a number.") % {"where": _where(owner, name), "value": text[:40]},
            element=name,
        ) from None


def _bool(element: Element, name: str) -> bool:
    return (_text(element, name) or "0").lower() in {"1", "true"}


def _date(element: Element, name: str, owner: str) -> date | None:
    text = _text(element, name)
    if text is None:
        return None
    try:  # only the day matters to Pilotis: a damaged time of day is not a reason to refuse
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MspdiError(
            _("%(where)s: “%(value)s” is not a date.") % {"where": _where(owner, name), "value": text[:40]},
            element=name,
        ) from None


def parse_duration_minutes(text: str) -> float:
    """An xsd:duration (MSPDI writes PT8H0M0S) in minutes; days count 24 hours. ValueError if bad."""
    match = _DURATION.match(text.strip())
    if match is None or text.strip() in {"P", "PT", "-P", "-PT"}:
        raise ValueError(text)
    parts = {key: float(value) for key, value in match.groupdict().items() if value and key != "sign"}
    minutes = (
        parts.get("years", 0) * 365 * 1440
        + parts.get("months", 0) * 30 * 1440
        + parts.get("days", 0) * 1440
        + parts.get("hours", 0) * 60
        + parts.get("minutes", 0)
        + parts.get("seconds", 0) / 60
    )
    if not math.isfinite(minutes):
        raise ValueError(text)
    return -minutes if match.group("sign") else minutes


def _duration_minutes(element: Element, name: str, owner: str) -> float | None:
    text = _text(element, name)
    if text is None:
        return None
    try:
        return parse_duration_minutes(text)
    except ValueError:
        raise MspdiError(
            _("%(where)s: “%(value)s” is not a duration.")
            % {"where": _where(owner, name), "value": text[:40]},
            element=name,
        ) from None


def _base_format(code: int | None) -> int | None:
    if code is None:
        return None
    return code - 32 if code >= 35 else code


class _Report:
    def __init__(self) -> None:
        self.items: dict[str, ReportItem] = {}

    def add(self, code: str, message: str, example: str = "", count: int = 1) -> None:
        item = self.items.setdefault(code, ReportItem(code=code, message=message))
        item.count += count
        if example and len(item.examples) < 5 and example not in item.examples:
            item.examples.append(example)


# -- the calendar --------------------------------------------------------------------------------------


def _date_range(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _read_calendar(root: Element, report: _Report) -> tuple[frozenset[int], list[ParsedClosure]]:
    """The project calendar's working weekdays (0 = Monday) and its closed days."""
    calendars = {}
    for calendar in root.iterfind(f"{_NS}Calendars/{_NS}Calendar"):
        uid = _int(calendar, "UID", "Calendar")
        if uid is not None:
            calendars[uid] = calendar
    uid = _int(root, "CalendarUID", "Project")
    chosen = calendars.get(uid) if uid is not None else None
    if chosen is None:
        chosen = next((c for c in calendars.values() if _bool(c, "IsBaseCalendar")), None)
    if chosen is None:
        return frozenset(range(5)), []
    calendar = chosen
    name = _text(calendar, "Name") or ""
    owner = f"Calendar “{name}”"
    weekdays = set(range(5))
    legacy: list[ParsedClosure] = []
    for day in calendar.iterfind(f"{_NS}WeekDays/{_NS}WeekDay"):
        day_type = _int(day, "DayType", owner)
        working = _bool(day, "DayWorking")
        if day_type is not None and 1 <= day_type <= 7:
            weekday = (day_type + 5) % 7  # MSPDI: 1 = Sunday; Python: 0 = Monday
            if working:
                weekdays.add(weekday)
            else:
                weekdays.discard(weekday)
        elif day_type == 0:
            period = day.find(_NS + "TimePeriod")
            start = _date(period, "FromDate", owner) if period is not None else None
            end = _date(period, "ToDate", owner) if period is not None else None
            if start is None or end is None or end < start:
                report.add(
                    "calendar_exception_invalid", _("Calendar exceptions without valid dates were ignored.")
                )
            elif working:
                report.add(
                    "calendar_working_exception",
                    _("Exceptions that make a day worked (extra working days) were ignored."),
                    f"{start.isoformat()}",
                )
            else:
                legacy.append(ParsedClosure(name="", start=start, end=end))
    if weekdays != set(range(5)):
        report.add(
            "calendar_weekdays",
            _("The file's working week differs from Monday to Friday; Pilotis counts Monday to Friday."),
            name,
        )
    modern: list[ParsedClosure] = []
    unexpanded: list[Element] = []
    for exception in calendar.iterfind(f"{_NS}Exceptions/{_NS}Exception"):
        label = (_text(exception, "Name") or "")[:255]
        period = exception.find(_NS + "TimePeriod")
        start = _date(period, "FromDate", owner) if period is not None else None
        end = _date(period, "ToDate", owner) if period is not None else None
        if start is None or end is None or end < start:
            report.add(
                "calendar_exception_invalid", _("Calendar exceptions without valid dates were ignored.")
            )
            continue
        if _bool(exception, "DayWorking"):
            report.add(
                "calendar_working_exception",
                _("Exceptions that make a day worked (extra working days) were ignored."),
                label,
            )
            continue
        kind = _int(exception, "Type", owner, 1)
        if kind == 1:
            modern.append(ParsedClosure(name=label, start=start, end=end))
        elif kind == 7:
            period_days = max(1, _int(exception, "Period", owner, 1) or 1)
            modern.extend(
                ParsedClosure(name=label, start=day, end=day)
                for i, day in enumerate(_date_range(start, end))
                if i % period_days == 0
            )
        elif kind == 6:
            mask = _int(exception, "DaysOfWeek", owner, 0) or 0
            period_weeks = max(1, _int(exception, "Period", owner, 1) or 1)
            week0 = start - timedelta(days=(start.weekday() + 1) % 7)  # the Sunday starting its week
            modern.extend(
                ParsedClosure(name=label, start=day, end=day)
                for day in _date_range(start, end)
                if mask & (1 << ((day.weekday() + 1) % 7)) and ((day - week0).days // 7) % period_weeks == 0
            )
        else:
            unexpanded.append(exception)
    if unexpanded and legacy:
        # MS Project also writes every exception, expanded, in the legacy form: use that.
        report.add(
            "calendar_recurring_expanded",
            _("Monthly and yearly recurring calendar exceptions were read from MS Project's expanded list."),
            count=len(unexpanded),
        )
        closures = legacy
        named = [c for c in modern]
        for closure in closures:
            for other in named:
                if other.start <= closure.start <= other.end:
                    closure.name = other.name
                    break
        for exception in unexpanded:
            period = exception.find(_NS + "TimePeriod")
            assert period is not None
            start = _date(period, "FromDate", owner)
            end = _date(period, "ToDate", owner)
            for closure in closures:
                if not closure.name and start and end and start <= closure.start <= end:
                    closure.name = (_text(exception, "Name") or "")[:255]
    else:
        for exception in unexpanded:
            report.add(
                "calendar_recurring_ignored",
                _("Monthly and yearly recurring calendar exceptions could not be expanded and were ignored."),
                _text(exception, "Name") or "",
            )
        closures = modern if modern or not legacy else legacy
    days = sum((c.end - c.start).days + 1 for c in closures)
    if days > MAX_CLOSED_DAYS:
        raise MspdiError(
            _("The project calendar closes %(days)s days; Pilotis accepts at most %(max)s.")
            % {"days": days, "max": MAX_CLOSED_DAYS},
            element="Calendar",
        )
    closures.sort(key=lambda c: (c.start, c.end))
    return frozenset(weekdays), closures


# -- the file -------------------------------------------------------------------------------------------


def _read_root(data: bytes) -> Element:
    if len(data) > MAX_BYTES:
        raise MspdiError(
            _("The file is too large (%(size)s MB); the limit is %(max)s MB.")
            % {"size": round(len(data) / 1048576, 1), "max": MAX_BYTES // 1048576}
        )
    if not data.strip():
        raise MspdiError(_("The file is empty."))
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MspdiError(
            _(
                "The file declares a DTD or entities, which MS Project files never do; "
                "it was refused for safety."
            )
        ) from None
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        raise MspdiError(
            _("The file is not well-formed XML (line %(line)s, column %(column)s): %(reason)s.")
            % {"line": line, "column": column, "reason": str(error).split(":")[0]},
            line=line,
        ) from None
    except (ValueError, UnicodeError) as error:
        raise MspdiError(
            _("The file is not readable XML: %(reason)s.") % {"reason": str(error)[:200]}
        ) from None
    if root.tag != _NS + "Project":
        raise MspdiError(
            _(
                "This is not an MS Project XML file: its root element is <%(root)s>, not <Project> in the "
                "namespace %(namespace)s."
            )
            % {"root": _local(root.tag)[:60], "namespace": NAMESPACE},
            element=_local(root.tag)[:60],
        )
    return root


def _working_days(minutes: float, per_day: int) -> tuple[int, bool]:
    """(whole working days, whether rounding changed the value)."""
    days = minutes / per_day
    whole = int(Decimal(str(days)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minutes > 0 and whole == 0:
        whole = 1
    return whole, not math.isclose(whole, days, abs_tol=1e-6)


def _span_days(start: date, finish: date, weekdays: frozenset[int], closed: set[date]) -> int:
    """Working days from start to finish inclusive on the file's calendar."""
    if finish < start or (finish - start).days > 20 * 366:
        return 0
    return sum(1 for day in _date_range(start, finish) if day.weekday() in weekdays and day not in closed)


def parse_mspdi(data: bytes) -> ParsedSchedule:
    """Read an MSPDI file. Raises `MspdiError` for what cannot be imported at all (malformed,
    unsafe, too large, unreadable values, an outline that skips levels); everything else is
    imported and what was approximated or ignored is listed in `report`."""
    root = _read_root(data)
    report = _Report()
    per_day = _int(root, "MinutesPerDay", "Project", 480) or 480
    if not 1 <= per_day <= 1440:
        raise MspdiError(_("<MinutesPerDay> must be between 1 and 1440."), element="MinutesPerDay")
    weekdays, closures = _read_calendar(root, report)
    closed = {day for c in closures for day in _date_range(c.start, c.end)}

    definitions = root.findall(f"{_NS}ExtendedAttributes/{_NS}ExtendedAttribute")
    field_names: dict[str, str] = {}
    for definition in definitions:
        field_names[_text(definition, "FieldID") or ""] = (
            _text(definition, "Alias") or _text(definition, "FieldName") or ""
        )

    resources: dict[int, str] = {}
    for resource in root.iterfind(f"{_NS}Resources/{_NS}Resource"):
        uid = _int(resource, "UID", "Resource")
        name = (_text(resource, "Name") or "").strip()
        if uid is not None and uid > 0 and name:
            resources[uid] = name[:255]
        for custom in resource.iterfind(_NS + "ExtendedAttribute"):
            report.add(
                "custom_fields",
                _("Custom fields (extended attributes) were ignored."),
                field_names.get(_text(custom, "FieldID") or "", ""),
            )
    assignees: dict[int, list[str]] = {}
    for assignment in root.iterfind(f"{_NS}Assignments/{_NS}Assignment"):
        task_uid = _int(assignment, "TaskUID", "Assignment")
        resource_uid = _int(assignment, "ResourceUID", "Assignment")
        if task_uid is None or resource_uid is None or resource_uid == NO_RESOURCE_UID:
            continue
        resource_name = resources.get(resource_uid)
        if resource_name and resource_name not in assignees.setdefault(task_uid, []):
            assignees[task_uid].append(resource_name)
        if assignment.find(_NS + "ExtendedAttribute") is not None:
            report.add("custom_fields", _("Custom fields (extended attributes) were ignored."))

    tasks: list[ParsedTask] = []
    raw_links: list[tuple[int, Element, str]] = []
    by_uid: dict[int, ParsedTask] = {}
    stack: list[ParsedTask] = []  # the open ancestors of the next task, by outline level
    null_tasks = 0
    elements = root.findall(f"{_NS}Tasks/{_NS}Task")
    if len(elements) > MAX_TASKS + 1:
        raise MspdiError(
            _("The file has %(count)s tasks; Pilotis imports at most %(max)s.")
            % {"count": len(elements) - 1, "max": MAX_TASKS},
            element="Tasks",
        )
    project_name = (_text(root, "Title") or _text(root, "Name") or "")[:255]
    for element in elements:
        uid = _int(element, "UID", "Task")
        name = (_text(element, "Name") or "").replace("\x00", "")[:255]
        owner = _("Task UID %(uid)s") % {"uid": uid}
        if uid is None:
            raise MspdiError(_("A task has no <UID>."), element="UID")
        if uid == 0 or (_int(element, "OutlineLevel", owner, 1) == 0):
            project_name = project_name or name  # the project summary task is the project
            continue
        if _bool(element, "IsNull"):
            null_tasks += 1
            continue
        if uid in by_uid:
            raise MspdiError(_("Two tasks share the UID %(uid)s.") % {"uid": uid}, element="UID")
        if not name:
            name = _("Task %(uid)s") % {"uid": uid}
            report.add("unnamed_tasks", _("Tasks without a name were named after their UID."), name)
        level = _int(element, "OutlineLevel", owner, 1) or 1
        if level < 1 or level > len(stack) + 1:
            raise MspdiError(
                _(
                    "%(owner)s (“%(name)s”) is at outline level %(level)s under a task of level %(parent)s: "
                    "the outline skips a level."
                )
                % {"owner": owner, "name": name, "level": level, "parent": len(stack)},
                element="OutlineLevel",
            )
        del stack[level - 1 :]
        parent = stack[-1] if stack else None

        start = _date(element, "Start", owner)
        finish = _date(element, "Finish", owner)
        manual = _bool(element, "Manual")
        duration_format = _base_format(_int(element, "DurationFormat", owner))
        minutes = _duration_minutes(element, "ManualDuration" if manual else "Duration", owner)
        if minutes is None:
            minutes = _duration_minutes(element, "Duration", owner) or 0.0
        if minutes < 0:
            raise MspdiError(_("%(owner)s has a negative duration.") % {"owner": owner}, element="Duration")
        if duration_format in ELAPSED_FORMATS and start and finish:
            duration = _span_days(start, finish, weekdays, closed)
            report.add(
                "elapsed_durations",
                _("Elapsed durations (calendar time) were converted to the working days they span."),
                name,
            )
        else:
            duration, rounded = _working_days(minutes, per_day)
            if rounded:
                report.add(
                    "durations_rounded",
                    _("Durations that were not whole working days were rounded to whole days."),
                    name,
                )
        milestone = _bool(element, "Milestone")
        if milestone and duration:
            report.add(
                "milestone_duration",
                _("Milestones with a duration were imported as milestones without duration."),
                name,
            )
            duration = 0
        if _bool(element, "Recurring"):
            report.add(
                "recurring_tasks",
                _("Recurring tasks were imported as a summary task over their occurrences."),
                name,
            )
        constraint_code = _text(element, "ConstraintType") or "0"
        constraint = CONSTRAINTS.get(constraint_code)
        constraint_date = _date(element, "ConstraintDate", owner)
        if constraint is None:
            if constraint_code == ALAP:
                report.add(
                    "constraint_alap",
                    _("“As late as possible” constraints were imported as “as soon as possible”."),
                    name,
                )
            else:
                report.add("constraint_unknown", _("Unknown constraint types were ignored."), name)
            constraint = ""
        if constraint and constraint_date is None:
            report.add("constraint_without_date", _("Constraints without a date were ignored."), name)
            constraint = ""
        if not constraint:
            constraint_date = None
        work = _duration_minutes(element, "Work", owner)
        estimate = (
            (Decimal(str(work)) / per_day).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if work and work > 0
            else None
        )
        if estimate is not None and estimate >= Decimal("100000000"):
            estimate = None
        percent = _int(element, "PercentComplete", owner, 0) or 0
        if not 0 <= percent <= 100:
            report.add("percent_out_of_range", _("Progress outside 0-100% was clamped."), name)
            percent = min(max(percent, 0), 100)
        for _custom in element.iterfind(_NS + "ExtendedAttribute"):
            report.add(
                "custom_fields",
                _("Custom fields (extended attributes) were ignored."),
                field_names.get(_text(_custom, "FieldID") or "", ""),
            )
        if element.find(_NS + "Baseline") is not None:
            report.add(
                "baselines", _("MS Project baselines were ignored (take a Pilotis baseline after import).")
            )
        task = ParsedTask(
            uid=uid,
            name=name,
            parent_uid=parent.uid if parent else None,
            outline_level=level,
            outline_number=(_text(element, "OutlineNumber") or "")[:60],
            duration=duration,
            milestone=milestone,
            summary=False,
            manual=manual,
            start=start,
            finish=finish,
            percent_complete=percent,
            constraint_type=constraint,
            constraint_date=constraint_date,
            deadline=_date(element, "Deadline", owner),
            notes=(_text(element, "Notes") or "").replace("\x00", ""),
            assignee_names=assignees.get(uid, []),
            estimate_days=estimate,
        )
        if parent is not None:
            parent.summary = True
        tasks.append(task)
        by_uid[uid] = task
        stack.append(task)
        raw_links.extend((uid, link, name) for link in element.iterfind(_NS + "PredecessorLink"))

    _finish_tasks(tasks, _split_task_uids(root, weekdays, closed), report)
    links = _read_links(raw_links, by_uid, per_day, report)
    _number(tasks)
    several = [task.name for task in tasks if len(task.assignee_names) > 1]
    for name in several:
        report.add(
            "several_assignees",
            _("Tasks with several resources keep all their names as assignee (no user is matched)."),
            name,
        )
    return ParsedSchedule(
        name=project_name,
        start=_date(root, "StartDate", "Project"),
        finish=_date(root, "FinishDate", "Project"),
        minutes_per_day=per_day,
        tasks=tasks,
        links=links,
        closures=closures,
        working_weekdays=weekdays,
        null_tasks=null_tasks,
        report=list(report.items.values()),
        resources=sorted(set(resources.values())),
    )


def _finish_tasks(tasks: list[ParsedTask], split: set[int], report: _Report) -> None:
    for task in tasks:
        if task.summary:
            if task.manual:
                report.add(
                    "manual_summary",
                    _(
                        "Manually scheduled summary tasks were made automatic "
                        "(their dates come from their tasks)."
                    ),
                    task.name,
                )
                task.manual = False
            if task.milestone:
                task.milestone = False
            if task.constraint_type not in SUMMARY_CONSTRAINTS:
                report.add(
                    "summary_constraint",
                    _(
                        "Constraints on summary tasks other than “start no earlier than” and "
                        "“finish no later than” were ignored."
                    ),
                    task.name,
                )
                task.constraint_type, task.constraint_date = "", None
        elif task.manual and (task.start is None or task.finish is None):
            report.add(
                "manual_without_dates",
                _("Manually scheduled tasks without dates were made automatic."),
                task.name,
            )
            task.manual = False
        elif task.uid in split:
            report.add(
                "split_tasks",
                _("Split (interrupted) tasks were imported as one continuous task of their duration."),
                task.name,
            )


def _split_task_uids(root: Element, weekdays: frozenset[int], closed: set[date]) -> set[int]:
    """Tasks whose assignments' timephased work stops on a working day and resumes later: MS
    Project's split tasks (as MPXJ detects them)."""
    split: set[int] = set()
    for assignment in root.iterfind(f"{_NS}Assignments/{_NS}Assignment"):
        task_uid = _int(assignment, "TaskUID", "Assignment")
        if task_uid is None or task_uid in split:
            continue
        periods: list[tuple[date, bool]] = []
        for record in assignment.iterfind(_NS + "TimephasedData"):
            if _text(record, "Type") not in {"1", "2"}:
                continue
            value = _text(record, "Value")
            try:  # timephased data is only a hint here: a damaged record is skipped
                start = date.fromisoformat((_text(record, "Start") or "")[:10])
            except ValueError:
                continue
            try:
                working = value is not None and parse_duration_minutes(value) > 0
            except ValueError:
                working = False
            periods.append((start, working))
        periods.sort()
        seen_work = False
        gap = False
        for start, working in periods:
            if working:
                if gap:
                    split.add(task_uid)
                    break
                seen_work = True
            elif seen_work and start.weekday() in weekdays and start not in closed:
                gap = True
    return split


def _read_links(
    raw_links: list[tuple[int, Element, str]], by_uid: dict[int, ParsedTask], per_day: int, report: _Report
) -> list[ParsedLink]:
    links: list[ParsedLink] = []
    seen: set[tuple[int, int]] = set()
    for successor_uid, element, name in raw_links:
        owner = _("Task UID %(uid)s") % {"uid": successor_uid}
        predecessor_uid = _int(element, "PredecessorUID", owner)
        if _bool(element, "CrossProject"):
            report.add("cross_project_links", _("Links to tasks of other projects were ignored."), name)
            continue
        if predecessor_uid is None or predecessor_uid not in by_uid:
            report.add(
                "links_unknown_task",
                _("Links to a task missing from the file (or blank, or the project itself) were ignored."),
                name,
            )
            continue
        if predecessor_uid == successor_uid:
            report.add("self_links", _("Links from a task to itself were ignored."), name)
            continue
        if (predecessor_uid, successor_uid) in seen:
            report.add("duplicate_links", _("Duplicate links between the same two tasks were ignored."), name)
            continue
        link_type = LINK_TYPES.get(_text(element, "Type") or "1")
        if link_type is None:
            raise MspdiError(
                _("%(owner)s: unknown link <Type> “%(type)s” (0 to 3 expected).")
                % {"owner": owner, "type": (_text(element, "Type") or "")[:10]},
                element="Type",
            )
        if link_type in {"FF", "SF"} and by_uid[successor_uid].summary:
            report.add(
                "summary_finish_links",
                _(
                    "Finish-to-finish and start-to-finish links onto summary tasks were ignored "
                    "(their finish comes from their tasks)."
                ),
                name,
            )
            continue
        lag_tenths = _int(element, "LinkLag", owner, 0) or 0
        lag_format = _base_format(_int(element, "LagFormat", owner, LAG_FORMAT_DAYS))
        if lag_format in PERCENT_FORMATS:
            predecessor = by_uid[predecessor_uid]
            lag = round(predecessor.duration * lag_tenths / 1000)  # MSPDI stores percent x 10
            report.add(
                "percent_lags",
                _("Lags given as a percentage of the predecessor were converted to working days."),
                name,
            )
        elif lag_format in ELAPSED_FORMATS:
            lag = round(lag_tenths / 10 / 1440 * 5 / 7)
            report.add(
                "elapsed_lags",
                _("Elapsed lags (calendar time) were converted to working days (5 for every 7)."),
                name,
            )
        else:
            days = lag_tenths / 10 / per_day
            lag = round(days)
            if not math.isclose(lag, days, abs_tol=1e-6):
                report.add(
                    "lags_rounded",
                    _("Lags that were not whole working days were rounded to whole days."),
                    name,
                )
        seen.add((predecessor_uid, successor_uid))
        links.append(ParsedLink(predecessor_uid, successor_uid, link_type, lag))
    return links


def _number(tasks: list[ParsedTask]) -> None:
    counters: dict[int | None, int] = {}
    numbers: dict[int, str] = {}
    for task in tasks:
        counters[task.parent_uid] = counters.get(task.parent_uid, 0) + 1
        prefix = numbers[task.parent_uid] + "." if task.parent_uid is not None else ""
        numbers[task.uid] = task.wbs = f"{prefix}{counters[task.parent_uid]}"


def report_lines(parsed: ParsedSchedule) -> list[dict[str, Any]]:
    """The import report as plain data: what was imported, then what was mapped or ignored."""
    lines: list[dict[str, Any]] = []
    if parsed.null_tasks:
        lines.append(
            {
                "code": "null_tasks",
                "message": ngettext(
                    "%(count)s blank task row was skipped.",
                    "%(count)s blank task rows were skipped.",
                    parsed.null_tasks,
                )
                % {"count": parsed.null_tasks},
                "count": parsed.null_tasks,
                "examples": [],
            }
        )
    lines.extend(
        {"code": item.code, "message": item.message, "count": item.count, "examples": item.examples}
        for item in parsed.report
    )
    return lines


# -- writing --------------------------------------------------------------------------------------------


class ExportTask(Protocol):
    id: Any
    parent_id: Any
    name: str
    start: date | None
    finish: date | None
    duration: int
    milestone: bool
    percent_complete: int


class ExportLink(Protocol):
    predecessor_id: Any
    successor_id: Any
    type: str
    lag: int


def _sub(parent: Element, name: str, value: object) -> Element:
    element = SubElement(parent, name)
    element.text = str(value)
    return element


def _stamp(day: date, time: str) -> str:
    return f"{day.isoformat()}T{time}"


def _hours(days: int) -> str:
    return f"PT{days * EXPORT_MINUTES_PER_DAY // 60}H0M0S"


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text or "")


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    value = getattr(obj, name, default)
    return default if value is None else value


def write_mspdi(
    project: Any,
    tasks: Sequence[Any],
    links: Sequence[Any],
    calendar: WorkingCalendar,
    *,
    closures: Iterable[tuple[str, date, date]] = (),
) -> bytes:
    """The project as an MSPDI document (UTF-8 bytes).

    `project` needs `name` and may have `forecast_start`/`forecast_finish`/`planned_start`; `tasks`
    need `id`, `parent_id`, `name`, `start`, `finish`, `duration`, `milestone`, `percent_complete`
    and may carry `mode`, `constraint_type`, `constraint_date`, `deadline`, `notes`,
    `assignee_name`, `estimate_days`, `position`; `links` need `predecessor_id`, `successor_id`,
    `type`, `lag`. Tasks are written in WBS order (parents before children, siblings by
    `position` then input order). Public holidays of `calendar` between the project's start and
    finish (a year around) and the named `closures` become the calendar's exceptions.
    """
    children: dict[Any, list[Any]] = {}
    ids = {task.id for task in tasks}
    for index, task in enumerate(tasks):
        parent = task.parent_id if task.parent_id in ids else None
        children.setdefault(parent, []).append((_attr(task, "position", 0), index, task))
    ordered: list[tuple[Any, int, str]] = []  # (task, level, outline number)

    def preorder(parent: Any, level: int, prefix: str) -> None:
        stack: list[tuple[Any, int, str]] = []
        kids = sorted(children.get(parent, []), key=lambda item: (item[0], item[1]))
        for k, (_p, _i, child) in reversed(list(enumerate(kids, start=1))):
            stack.append((child, level, f"{prefix}{k}"))
        while stack:
            task, depth, number = stack.pop()
            ordered.append((task, depth, number))
            kids = sorted(children.get(task.id, []), key=lambda item: (item[0], item[1]))
            for k, (_p, _i, child) in reversed(list(enumerate(kids, start=1))):
                stack.append((child, depth + 1, f"{number}.{k}"))

    preorder(None, 1, "")
    uid_of = {task.id: n for n, (task, _level, _number) in enumerate(ordered, start=1)}
    has_children = {task.id for task, _level, _number in ordered if children.get(task.id)}

    starts = [t.start for t in tasks if t.start] + [
        _attr(project, "forecast_start"),
        _attr(project, "planned_start"),
    ]
    finishes = [t.finish for t in tasks if t.finish] + [_attr(project, "forecast_finish")]
    project_start = min((d for d in starts if d), default=date(2000, 1, 3))  # no dates at all: any Monday
    project_finish = max((d for d in finishes if d), default=project_start)

    root = Element("Project", {"xmlns": NAMESPACE})
    name = _clean(str(_attr(project, "name", "")))[:255] or "Pilotis"
    _sub(root, "SaveVersion", 14)
    _sub(root, "Name", name)
    _sub(root, "Title", name)
    _sub(root, "ScheduleFromStart", 1)
    _sub(root, "StartDate", _stamp(project_start, "08:00:00"))
    _sub(root, "FinishDate", _stamp(project_finish, "17:00:00"))
    _sub(root, "FYStartDate", 1)
    _sub(root, "CriticalSlackLimit", 0)
    _sub(root, "CurrencyDigits", 2)
    _sub(root, "CurrencySymbol", "€")
    _sub(root, "CurrencyCode", "EUR")
    _sub(root, "CurrencySymbolPosition", 3)
    _sub(root, "CalendarUID", 1)
    _sub(root, "DefaultStartTime", "08:00:00")
    _sub(root, "DefaultFinishTime", "17:00:00")
    _sub(root, "MinutesPerDay", EXPORT_MINUTES_PER_DAY)
    _sub(root, "MinutesPerWeek", EXPORT_MINUTES_PER_DAY * 5)
    _sub(root, "DaysPerMonth", 20)
    _sub(root, "DefaultTaskType", 0)
    _sub(root, "DefaultFixedCostAccrual", 3)
    _sub(root, "DurationFormat", 7)
    _sub(root, "WorkFormat", 2)
    _sub(root, "HonorConstraints", 0)
    _sub(root, "WeekStartDay", 1)
    _sub(root, "NewTasksAreManual", 0)

    _write_calendar(root, calendar, project_start, project_finish, closures)

    tasks_element = SubElement(root, "Tasks")
    summary = SubElement(tasks_element, "Task")
    _sub(summary, "UID", 0)
    _sub(summary, "ID", 0)
    _sub(summary, "Name", name)
    _sub(summary, "Manual", 0)
    _sub(summary, "Type", 1)
    _sub(summary, "IsNull", 0)
    _sub(summary, "OutlineNumber", 0)
    _sub(summary, "OutlineLevel", 0)
    _sub(summary, "Start", _stamp(project_start, "08:00:00"))
    _sub(summary, "Finish", _stamp(project_finish, "17:00:00"))
    _sub(summary, "Duration", _hours(calendar.working_days_in(project_start, project_finish)))
    _sub(summary, "DurationFormat", 7)
    _sub(summary, "Milestone", 0)
    _sub(summary, "Summary", 1)
    _sub(summary, "PercentComplete", 0)

    incoming: dict[Any, list[Any]] = {}
    for link in links:
        if link.predecessor_id in uid_of and link.successor_id in uid_of:
            incoming.setdefault(link.successor_id, []).append(link)

    for row, (task, level, number) in enumerate(ordered, start=1):
        element = SubElement(tasks_element, "Task")
        summary_task = task.id in has_children
        milestone = bool(task.milestone) and not summary_task
        manual = _attr(task, "mode", "auto") == "manual" and not summary_task
        start = task.start or project_start
        finish = task.finish or start
        duration = (
            0
            if milestone
            else (calendar.working_days_in(start, finish) if summary_task else int(task.duration or 0))
        )
        start_time = "08:00:00"
        finish_time = "08:00:00" if milestone else "17:00:00"
        _sub(element, "UID", uid_of[task.id])
        _sub(element, "ID", row)
        _sub(element, "Name", _clean(task.name)[:255])
        _sub(element, "Active", 1)
        _sub(element, "Manual", int(manual))
        _sub(element, "Type", 1 if summary_task else 0)
        _sub(element, "IsNull", 0)
        _sub(element, "WBS", number)
        _sub(element, "OutlineNumber", number)
        _sub(element, "OutlineLevel", level)
        _sub(element, "Priority", 500)
        _sub(element, "Start", _stamp(start, start_time))
        _sub(element, "Finish", _stamp(finish, finish_time))
        _sub(element, "Duration", _hours(duration))
        if manual:
            _sub(element, "ManualStart", _stamp(start, start_time))
            _sub(element, "ManualFinish", _stamp(finish, finish_time))
            _sub(element, "ManualDuration", _hours(duration))
        _sub(element, "DurationFormat", 7)
        estimate = _attr(task, "estimate_days")
        if estimate:
            hours = Decimal(estimate) * EXPORT_MINUTES_PER_DAY / 60
            whole = int(hours)
            _sub(element, "Work", f"PT{whole}H{int((hours - whole) * 60)}M0S")
        _sub(element, "Estimated", 0)
        _sub(element, "Milestone", int(milestone))
        _sub(element, "Summary", int(summary_task))
        _sub(element, "PercentComplete", int(task.percent_complete or 0))
        constraint = _attr(task, "constraint_type", "") or ""
        constraint_date = _attr(task, "constraint_date")
        if constraint in CONSTRAINT_CODES and constraint and constraint_date:
            _sub(element, "ConstraintType", CONSTRAINT_CODES[constraint])
            time = "17:00:00" if constraint in {"fnlt", "fnet", "mfo"} else "08:00:00"
            _sub(element, "ConstraintDate", _stamp(constraint_date, time))
        else:
            _sub(element, "ConstraintType", 0)
        deadline = _attr(task, "deadline")
        if deadline:
            _sub(element, "Deadline", _stamp(deadline, "17:00:00"))
        notes = _clean(_attr(task, "notes", ""))
        if notes:
            _sub(element, "Notes", notes)
        for link in incoming.get(task.id, []):
            predecessor = SubElement(element, "PredecessorLink")
            _sub(predecessor, "PredecessorUID", uid_of[link.predecessor_id])
            _sub(predecessor, "Type", LINK_CODES.get(str(link.type), 1))
            _sub(predecessor, "CrossProject", 0)
            _sub(predecessor, "LinkLag", int(link.lag or 0) * EXPORT_MINUTES_PER_DAY * 10)
            _sub(predecessor, "LagFormat", LAG_FORMAT_DAYS)

    resources_element = SubElement(root, "Resources")
    assignments_element = SubElement(root, "Assignments")
    names = sorted({_clean(_attr(t, "assignee_name", "")).strip()[:255] for t in tasks} - {""})
    resource_uid = {resource: n for n, resource in enumerate(names, start=1)}
    for resource, uid in resource_uid.items():
        element = SubElement(resources_element, "Resource")
        _sub(element, "UID", uid)
        _sub(element, "ID", uid)
        _sub(element, "Name", resource)
        _sub(element, "Type", 1)
        _sub(element, "IsNull", 0)
    assignment_uid = 0
    for task, _level, _number in ordered:
        resource = _clean(_attr(task, "assignee_name", "")).strip()[:255]
        if resource and task.id not in has_children:
            assignment_uid += 1
            element = SubElement(assignments_element, "Assignment")
            _sub(element, "UID", assignment_uid)
            _sub(element, "TaskUID", uid_of[task.id])
            _sub(element, "ResourceUID", resource_uid[resource])
    # Serialised as text then encoded once: ElementTree's byte output re-encodes every fragment.
    body = tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode("utf-8")


def _write_calendar(
    root: Element,
    calendar: WorkingCalendar,
    start: date,
    finish: date,
    closures: Iterable[tuple[str, date, date]],
) -> None:
    calendars = SubElement(root, "Calendars")
    element = SubElement(calendars, "Calendar")
    _sub(element, "UID", 1)
    _sub(element, "Name", "Standard")
    _sub(element, "IsBaseCalendar", 1)
    _sub(element, "IsBaselineCalendar", 0)
    _sub(element, "BaseCalendarUID", -1)
    weekdays = SubElement(element, "WeekDays")
    for day_type in range(1, 8):
        weekday = SubElement(weekdays, "WeekDay")
        _sub(weekday, "DayType", day_type)
        working = (day_type + 5) % 7 in calendar.weekdays
        _sub(weekday, "DayWorking", int(working))
        if working:
            times = SubElement(weekday, "WorkingTimes")
            for time_from, time_to in (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00")):
                time = SubElement(times, "WorkingTime")
                _sub(time, "FromTime", time_from)
                _sub(time, "ToTime", time_to)
    first = date(start.year - 1, 1, 1)
    last = date(min(finish.year + 1, 9998), 12, 31)
    ranges: dict[tuple[date, date], str] = {}
    for day, holiday in calendar.holidays_between(first, last):
        ranges[(day, day)] = holiday
    for label, begin, end in closures:
        ranges.setdefault((begin, end), label)
    closed_days: set[date] = set()
    for begin, end in ranges:
        closed_days.update(_date_range(begin, end))
    # Other closed days of the calendar (e.g. organisation closures) not named in `closures`.
    for day in sorted(calendar.closures):
        if first <= day <= last and day not in closed_days:
            ranges[(day, day)] = ""
    if ranges:
        exceptions = SubElement(element, "Exceptions")
        for (begin, end), label in sorted(ranges.items()):
            exception = SubElement(exceptions, "Exception")
            _sub(exception, "EnteredByOccurrences", 0)
            period = SubElement(exception, "TimePeriod")
            _sub(period, "FromDate", _stamp(begin, "00:00:00"))
            _sub(period, "ToDate", _stamp(end, "23:59:00"))
            _sub(exception, "Occurrences", 1)
            _sub(exception, "Name", _clean(label)[:255] or "Fermeture")
            _sub(exception, "Type", 1)
            _sub(exception, "DayWorking", 0)
