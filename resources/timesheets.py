"""Timesheet services: fill a week, submit it, approve or return its lines, reopen an approved week.

The week's lifecycle (TIMESHEET_MACHINE)::

    draft ──submit──▶ submitted ──(every line approved)──▶ approved
      ▲                  │  (a line returned)                 │
      │                  ▼                                    │ reopen (approver, with a reason)
      └─────────── rejected ("Returned") ◀────────────────────┘
                   └──submit──▶ submitted

* The person (timesheet.change) fills a draft or returned week and submits it.
* Each line is approved or returned by the line's project manager or the week's approvers
  (timesheet_line.approve). The week follows its lines: one returned line returns the week (with the
  reasons); when every line is approved the week is approved.
* **Corrections**: an approved week is locked: nobody edits it. To correct it, the person's approver
  (timesheet.approve) *reopens* it with a reason: the week goes back to "Returned", every line waits for
  approval again, the reason is shown to the person, who corrects and resubmits. The reopening is a
  status change with its reason (TimesheetStatusChange) and an audit entry on the person.
* Entries are stored in days (≤ 1 per day and line); pages and the API may type hours
  (settings.PILOTIS_TIMESHEET_UNIT) converted by `parse_time`.
* Bookable projects: any project that is not closed, abandoned or not retained (work happens on
  demands and framing too); the row picker offers the person's own projects first (allocations,
  assigned tasks, previous weeks). Tasks must belong to the line's project.

Every write locks the week (`lock_for_update`) with the version the caller read and bumps it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portfolio.models import Project
from portfolio.rules import TERMINAL_STATUSES
from portfolio.scheduling.models import Task
from ppm.audit import audited
from ppm.exceptions import DomainPermissionError, DomainValidationError, IllegalTransitionError
from ppm.lifecycle import Machine, Transition, resolve
from ppm.models import AuditEntry
from ppm.versioning import check_version, lock_for_update, save_versioned
from resources.capacity import Availability, availability_from_pattern, day_capacity
from resources.models import (
    LineApproval,
    NonProjectActivity,
    Resource,
    TimeEntry,
    Timesheet,
    TimesheetLine,
    TimesheetStatus,
    TimesheetStatusChange,
)
from resources.permissions import RULES

S = TimesheetStatus
ONE = Decimal("1")
ZERO = Decimal("0")
DAYS_QUANTUM = Decimal("0.001")
HOURS_STEP = Decimal("0.25")
MAX_ROWS = 40
EDITABLE = frozenset({S.DRAFT, S.REJECTED})


# ------------------------------------------------------------------------------------ the lifecycle


@dataclass(frozen=True)
class WeekFacts:
    status: str
    has_time: bool = True
    lines_pending: int = 0


def _has_time(facts: WeekFacts, target: str):
    if not facts.has_time:
        return gettext_lazy("Enter some time before submitting the week.")
    return None


TIMESHEET_MACHINE = Machine(
    name="timesheet",
    states=S.choices,
    transitions=(
        Transition("submit", (S.DRAFT, S.REJECTED), S.SUBMITTED, gettext_lazy("Submit"), guards=(_has_time,)),
        Transition(
            "approve",
            (S.SUBMITTED,),
            S.APPROVED,
            pgettext_lazy("timesheet action", "Approve"),
            guards=(
                lambda facts, target: (
                    gettext_lazy("Some lines still wait for approval.") if facts.lines_pending else None
                ),
            ),
        ),
        Transition(
            "return",
            (S.SUBMITTED,),
            S.REJECTED,
            pgettext_lazy("timesheet action", "Return"),
            requires_comment=True,
        ),
        Transition(
            "reopen",
            (S.APPROVED,),
            S.REJECTED,
            pgettext_lazy("timesheet action", "Reopen for correction"),
            requires_comment=True,
            wrong_source_message=gettext_lazy("Only an approved week is reopened for correction."),
        ),
    ),
)


# ------------------------------------------------------------------------------------ units


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_days(week: date) -> list[date]:
    return [week + timedelta(days=i) for i in range(7)]


def unit() -> str:
    return "hours" if settings.PILOTIS_TIMESHEET_UNIT == "hours" else "days"


def hours_per_day() -> Decimal:
    return Decimal(str(settings.PILOTIS_HOURS_PER_DAY))


def day_step() -> Decimal:
    return Decimal(str(settings.PILOTIS_TIMESHEET_STEP))


def parse_time(value: Any, *, in_unit: str | None = None) -> Decimal:
    """A typed value (days or hours, per the organisation's unit; "," accepted as decimal mark) as days.

    DomainValidationError (field "days") when it is not a number, negative, not a step (half days by
    default; quarter hours in hours mode) or more than a day."""
    in_unit = in_unit or unit()
    text = str(value if value is not None else "").strip().replace(",", ".")
    if text == "":
        return ZERO
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise DomainValidationError(
            field_errors={"days": [_("“%(value)s” is not a number.") % {"value": str(value)[:20]}]}
        ) from None
    if not number.is_finite():
        raise DomainValidationError(field_errors={"days": [_("Enter a number.")]})
    if number < 0:
        raise DomainValidationError(field_errors={"days": [_("Time cannot be negative.")]})
    if in_unit == "hours":
        if number % HOURS_STEP:
            raise DomainValidationError(field_errors={"days": [_("Enter hours by quarter hours (0.25).")]})
        if number > hours_per_day():
            raise DomainValidationError(
                field_errors={
                    "days": [_("At most %(hours)s hours a day on one row.") % {"hours": hours_per_day()}]
                }
            )
        return (number / hours_per_day()).quantize(DAYS_QUANTUM, rounding=ROUND_HALF_UP)
    step = day_step()
    if step and number % step:
        raise DomainValidationError(
            field_errors={"days": [_("Enter days in steps of %(step)s.") % {"step": step}]}
        )
    if number > ONE:
        raise DomainValidationError(field_errors={"days": [_("At most one day per day on one row.")]})
    return number


def _plain(value: Decimal) -> str:
    """`value` without trailing zeros and with a "." ("2.5", "0")."""
    return f"{value.normalize():f}" if value else "0"


def display_time(days: Decimal | float | None) -> str:
    """Days as the organisation types them (days, or hours rounded to the quarter), with a "." (a
    machine value: data attributes, the audit); `format_time` for people."""
    if days is None:
        return ""
    value = Decimal(str(days))
    if unit() == "hours":
        value = (value * hours_per_day() / HOURS_STEP).quantize(ONE, rounding=ROUND_HALF_UP) * HOURS_STEP
    return _plain(value)


def _for_people(text: str) -> str:
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return text if separator == "." else text.replace(".", separator)


def format_days(days: Decimal | float | None) -> str:
    """Days for people, whatever unit the organisation types: no trailing zeros, the language's decimal
    mark ("2.5" / "2,5")."""
    return "" if days is None else _for_people(_plain(Decimal(str(days))))


def format_time(days: Decimal | float | None) -> str:
    """Days as the organisation types them, for people: in its unit (hours rounded to the quarter in
    hours mode), no trailing zeros, the language's decimal mark ("2.5" / "2,5", never "2.500")."""
    return _for_people(display_time(days))


# ------------------------------------------------------------------------------------ capacity


def _about_day(message: str, day: date, **values) -> str:
    """`message` (translated, with `%(day)s`) naming `day` as people read it in their language
    ("Tuesday 3 March", "mardi 3 mars"), capitalised where the day begins it; the audit keeps ISO
    dates, which read the same in every language."""
    return capfirst(message % {"day": formats.date_format(day, "l j F"), **values})


def availability_of(resource: Resource, absences=None) -> Availability:
    """The resource's availability (pattern, active dates, absences given or read)."""
    if absences is None:
        absences = resource.absences.all()
    return Availability(
        pattern=availability_from_pattern(resource.week_pattern),
        active_from=resource.active_from,
        active_until=resource.active_until,
        absences=tuple((a.start, a.end, float(a.day_share)) for a in absences),
        generic=resource.is_generic,
    )


def working_time_by_day(resource: Resource, week: date, calendar=None) -> dict[date, float]:
    """The person's working time (days, after absences) on each day of the week."""
    from portfolio.scheduling.baselines import portfolio_calendar

    calendar = calendar or portfolio_calendar()
    last = week + timedelta(days=6)
    absences = resource.absences.filter(start__lte=last, end__gte=week)
    availability = availability_of(resource, absences)
    result = {}
    for day in week_days(week):
        capacity = day_capacity(availability, calendar, day)
        result[day] = capacity.gross - capacity.absent
    return result


# ------------------------------------------------------------------------------------ services


@dataclass
class SaveResult:
    timesheet: Timesheet
    warnings: list[str]


def _status_change(timesheet: Timesheet, *, source: str, action: str, actor, comment: str = "") -> None:
    TimesheetStatusChange.objects.create(
        timesheet=timesheet,
        source=source,
        target=timesheet.status,
        action=action,
        comment=comment,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def timesheet_get_or_create(*, actor, resource: Resource, week: date) -> Timesheet:
    """The person's week (created as a draft when the person opens it); `week` may be any day of it."""
    monday = week_start(week)
    existing = Timesheet.objects.filter(resource=resource, week=monday).first()
    if existing is not None:
        RULES.check(actor, "timesheet.view", existing)
        return existing
    probe = Timesheet(resource=resource, week=monday)
    RULES.check(actor, "timesheet.change", probe)
    if resource.is_generic:
        raise DomainValidationError(_("A generic resource has no timesheet."))
    with audited(probe, actor, Timesheet.audit_fields):
        probe.save()
    return probe


def bookable_projects():
    return Project.objects.exclude(status__in=TERMINAL_STATUSES)


def _clean_rows(rows: list[dict], week: date) -> tuple[list[dict], dict[str, list[str]]]:
    """Rows → [{project, task, activity, days: {date: Decimal}, note}] with errors keyed "rows.<i>"."""
    errors: dict[str, list[str]] = {}
    cleaned: list[dict] = []
    if len(rows) > MAX_ROWS:
        errors["rows"] = [_("At most %(count)d rows a week.") % {"count": MAX_ROWS}]
        return cleaned, errors
    days = set(week_days(week))
    project_ids = {int(r["project"]) for r in rows if _id(r.get("project"))}
    task_ids = {int(r["task"]) for r in rows if _id(r.get("task"))}
    activity_ids = {int(r["activity"]) for r in rows if _id(r.get("activity"))}
    projects = {p.pk: p for p in bookable_projects().filter(pk__in=project_ids)}
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=task_ids)}
    activities = {a.pk: a for a in NonProjectActivity.objects.filter(pk__in=activity_ids, is_active=True)}
    seen: set[tuple] = set()
    for index, row in enumerate(rows):
        key = f"rows.{index}"
        messages: list[str] = []
        project = projects.get(int(row["project"])) if _id(row.get("project")) else None
        task = tasks.get(int(row["task"])) if _id(row.get("task")) else None
        activity = activities.get(int(row["activity"])) if _id(row.get("activity")) else None
        if _id(row.get("project")) and project is None:
            messages.append(_("This project does not exist or is closed."))
        if _id(row.get("task")) and (task is None or project is None or task.project_id != project.pk):
            messages.append(_("This task is not one of the project's."))
        if _id(row.get("activity")) and activity is None:
            messages.append(_("This activity does not exist or is no longer used."))
        if not messages and (project is None) == (activity is None):
            messages.append(_("Choose a project (and optionally a task) or a non-project activity."))
        identity = (project and project.pk, task and task.pk, activity and activity.pk)
        if not messages and identity in seen:
            messages.append(_("This row appears twice."))
        seen.add(identity)
        values: dict[date, Decimal] = {}
        for day, raw in (row.get("days") or {}).items():
            try:
                day = day if isinstance(day, date) else date.fromisoformat(str(day))
            except ValueError:
                messages.append(_("“%(day)s” is not a date.") % {"day": str(day)[:20]})
                continue
            if day not in days:
                messages.append(_about_day(_("%(day)s is not in this week."), day))
                continue
            try:
                value = raw if isinstance(raw, Decimal) else parse_time(raw)
            except DomainValidationError as error:
                messages.extend(
                    _about_day("%(day)s: %(problem)s", day, problem=problem)
                    for problem in error.field_errors["days"]
                )
                continue
            if value < 0 or value > ONE:
                messages.append(_about_day(_("%(day)s: between 0 and 1 day."), day))
                continue
            if value:
                values[day] = value
        if messages:
            errors[key] = messages
        cleaned.append(
            {
                "project": project,
                "task": task,
                "activity": activity,
                "days": values,
                "note": str(row.get("note") or "")[:200],
            }
        )
    return cleaned, errors


def _id(value) -> bool:
    try:
        return value not in (None, "") and int(value) > 0
    except (TypeError, ValueError):
        return False


def _day_totals(rows: list[dict]) -> dict[date, Decimal]:
    totals: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        for day, value in row["days"].items():
            totals[day] += value
    return totals


def _lock(timesheet: Timesheet, expected_version: int | None) -> Timesheet:
    return lock_for_update(
        Timesheet,
        timesheet.pk,
        expected_version,
        queryset=Timesheet.objects.all(),
    )


def _line_key(line) -> tuple:
    return (line.project_id, line.task_id, line.activity_id)


@transaction.atomic
def timesheet_save(
    *, actor, timesheet: Timesheet, expected_version: int | None, rows: list[dict]
) -> SaveResult:
    """Replace the week's rows and entries. Refused unless the week is a draft or returned and the actor
    is the person; every row is checked first (errors keyed "rows.<index>"), nothing is saved when one
    is wrong. A day above one day in total is refused; above the person's working time it is saved
    with a warning. A line whose time changed waits for approval again; unchanged lines keep theirs."""
    RULES.check(actor, "timesheet.change", timesheet)
    timesheet = _lock(timesheet, None)
    RULES.check(actor, "timesheet.change", timesheet)
    check_version(timesheet, expected_version)
    if timesheet.status not in EDITABLE:
        raise IllegalTransitionError(
            _("This week is %(status)s: it can no longer be changed.")
            % {"status": timesheet.get_status_display().lower()},
            action="save",
        )
    cleaned, errors = _clean_rows(rows, timesheet.week)
    totals = _day_totals(cleaned)
    over = [day for day, total in sorted(totals.items()) if total > ONE]
    if over:
        errors["days"] = [_about_day(_("%(day)s: more than one day in total."), day) for day in over]
    if errors:
        raise DomainValidationError(_("Some rows are not valid; nothing was saved."), field_errors=errors)
    working = working_time_by_day(timesheet.resource, timesheet.week)
    warnings = [
        _about_day(
            _("%(day)s: %(total)s entered, above your working time (%(working)s)."),
            day,
            total=format_time(total),
            working=format_time(working[day]),
        )
        for day, total in sorted(totals.items())
        if float(total) > working.get(day, 0.0) + 1e-9
    ]

    existing = {_line_key(line): line for line in timesheet.lines.prefetch_related("entries")}
    kept: set[int] = set()
    new_entries: list[TimeEntry] = []
    changed_lines = 0
    for order, row in enumerate(cleaned):
        key = (
            row["project"] and row["project"].pk,
            row["task"] and row["task"].pk,
            row["activity"] and row["activity"].pk,
        )
        line = existing.get(key)
        before = {e.day: e.days for e in line.entries.all()} if line else None
        if line is None:
            line = TimesheetLine.objects.create(
                timesheet=timesheet,
                project=row["project"],
                task=row["task"],
                activity=row["activity"],
                order=order,
            )
            changed_lines += 1
        else:
            updates: dict[str, Any] = {"order": order}
            if before != row["days"]:
                updates.update(approval=LineApproval.PENDING, decided_by=None, decided_at=None)
                changed_lines += 1
            TimesheetLine.objects.filter(pk=line.pk).update(**updates)
            if before == row["days"]:
                kept.add(line.pk)
                continue
            line.entries.all().delete()
        kept.add(line.pk)
        new_entries.extend(
            TimeEntry(line=line, day=day, days=value, note=row["note"]) for day, value in row["days"].items()
        )
    removed = [line.pk for line in existing.values() if line.pk not in kept]
    if removed:
        TimesheetLine.objects.filter(pk__in=removed).delete()
    TimeEntry.objects.bulk_create(new_entries)
    if changed_lines or removed or expected_version is not None:
        with audited(timesheet, actor, ("status",)) as audit:
            save_versioned(timesheet, update_fields=["updated_at"])
        if audit.entry is None and (changed_lines or removed):
            from ppm.audit import audit_record

            audit_record(
                instance=timesheet,
                action=AuditEntry.Action.UPDATE,
                actor=actor,
                changes={
                    "lines": {
                        "label": str(_("time")),
                        "old": "",
                        "new": _("%(count)d rows") % {"count": len(cleaned)},
                    }
                },
            )
    return SaveResult(timesheet=timesheet, warnings=warnings)


def _facts(timesheet: Timesheet) -> WeekFacts:
    lines = list(timesheet.lines.values_list("approval", flat=True))
    has_time = TimeEntry.objects.filter(line__timesheet=timesheet, days__gt=0).exists()
    return WeekFacts(
        status=timesheet.status,
        has_time=has_time,
        lines_pending=sum(1 for a in lines if a != LineApproval.APPROVED),
    )


def _move(timesheet: Timesheet, *, actor, action: str, comment: str = "") -> Timesheet:
    source = timesheet.status
    target = resolve(TIMESHEET_MACHINE, _facts(timesheet), action, comment=comment)
    now = timezone.now()
    with audited(timesheet, actor, ("status",), action=AuditEntry.Action.TRANSITION):
        timesheet.status = target
        fields = ["status"]
        if action == "submit":
            timesheet.submitted_at = now
            fields.append("submitted_at")
        else:
            timesheet.decided_at = now
            fields.append("decided_at")
        save_versioned(timesheet, update_fields=fields)
    _status_change(timesheet, source=source, action=action, actor=actor, comment=comment)
    return timesheet


@transaction.atomic
def timesheet_submit(*, actor, timesheet: Timesheet, expected_version: int | None) -> Timesheet:
    """Submit a draft or returned week (the person): every line not yet approved waits for approval."""
    RULES.check(actor, "timesheet.change", timesheet)
    timesheet = _lock(timesheet, expected_version)
    if not RULES.allows(actor, "timesheet.change", timesheet):
        raise DomainPermissionError(RULES.message("timesheet.change"))
    timesheet.lines.exclude(approval=LineApproval.APPROVED).update(
        approval=LineApproval.PENDING, decided_by=None, decided_at=None, reason=""
    )
    return _move(timesheet, actor=actor, action="submit")


def _rollup(timesheet: Timesheet, *, actor) -> Timesheet:
    """The week follows its lines: any returned → returned (reasons joined); all approved → approved."""
    approvals = list(timesheet.lines.values_list("approval", "reason"))
    returned = [reason for approval, reason in approvals if approval == LineApproval.REJECTED]
    if returned:
        return _move(timesheet, actor=actor, action="return", comment="\n".join(r for r in returned if r))
    if approvals and all(approval == LineApproval.APPROVED for approval, _reason in approvals):
        return _move(timesheet, actor=actor, action="approve")
    return timesheet


def _reason(approve: bool, reason: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()[:500]
    if not approve and not reason:
        raise DomainValidationError(
            field_errors={"reason": [_("Say why the time is returned.")]}, code="reason_required"
        )
    return reason


@transaction.atomic
def timesheet_line_decide(
    *, actor, line: TimesheetLine, approve: bool, reason: str = "", expected_version: int | None = None
) -> TimesheetLine:
    """Approve or return one line (its project's manager or the week's approver; never one's own);
    a return needs a reason. The week then follows its lines (see `_rollup`)."""
    reason = _reason(approve, reason)
    timesheet = _lock(line.timesheet, None)
    line = TimesheetLine.objects.select_related("project", "timesheet__resource__team").get(pk=line.pk)
    line.timesheet = timesheet
    RULES.check(actor, "timesheet_line.approve", line)
    check_version(timesheet, expected_version)
    if timesheet.status != S.SUBMITTED:
        raise IllegalTransitionError(
            _("Only the lines of a submitted week are approved or returned."), action="decide"
        )
    if line.approval != LineApproval.PENDING:
        raise IllegalTransitionError(_("This line was already decided."), action="decide")
    with audited(line, actor, ("approval", "reason"), action=AuditEntry.Action.TRANSITION):
        line.approval = LineApproval.APPROVED if approve else LineApproval.REJECTED
        line.reason = reason
        line.decided_by = actor
        line.decided_at = timezone.now()
        line.save(update_fields=["approval", "reason", "decided_by", "decided_at"])
    save_versioned(timesheet, update_fields=[])
    _rollup(timesheet, actor=actor)
    return line


@transaction.atomic
def timesheet_decide_all(
    *, actor, timesheet: Timesheet, approve: bool, reason: str = "", expected_version: int | None = None
) -> Timesheet:
    """The person's approver approves (or returns) every waiting line of the week at once."""
    reason = _reason(approve, reason)
    RULES.check(actor, "timesheet.approve", timesheet)
    timesheet = _lock(timesheet, expected_version)
    RULES.check(actor, "timesheet.approve", timesheet)
    if timesheet.status != S.SUBMITTED:
        raise IllegalTransitionError(
            _("Only a submitted week is approved or returned."), action="approve" if approve else "return"
        )
    now = timezone.now()
    for line in timesheet.lines.filter(approval=LineApproval.PENDING).order_by("pk"):
        with audited(line, actor, ("approval", "reason"), action=AuditEntry.Action.TRANSITION):
            line.approval = LineApproval.APPROVED if approve else LineApproval.REJECTED
            line.reason = reason
            line.decided_by = actor
            line.decided_at = now
            line.save(update_fields=["approval", "reason", "decided_by", "decided_at"])
    save_versioned(timesheet, update_fields=[])
    return _rollup(timesheet, actor=actor)


@transaction.atomic
def timesheet_reopen(*, actor, timesheet: Timesheet, reason: str, expected_version: int | None) -> Timesheet:
    """Reopen an approved (locked) week for correction (the approver, with a reason): it goes back to
    the person as "Returned", every line waits for approval again."""
    RULES.check(actor, "timesheet.approve", timesheet)
    timesheet = _lock(timesheet, expected_version)
    RULES.check(actor, "timesheet.approve", timesheet)
    reason = (reason or "").replace("\x00", "").strip()[:500]
    resolve(TIMESHEET_MACHINE, _facts(timesheet), "reopen", comment=reason)
    timesheet.lines.update(approval=LineApproval.PENDING, decided_by=None, decided_at=None, reason="")
    return _move(timesheet, actor=actor, action="reopen", comment=reason)


@transaction.atomic
def timesheet_copy_last_week(*, actor, timesheet: Timesheet, expected_version: int | None) -> SaveResult:
    """Fill an empty editable week with the rows and time of the person's previous week (the rows of
    closed projects or inactive activities are left out)."""
    previous = (
        Timesheet.objects.filter(resource_id=timesheet.resource_id, week__lt=timesheet.week)
        .order_by("-week")
        .first()
    )
    if previous is None:
        raise DomainValidationError(_("There is no previous week to copy."))
    if timesheet.lines.exists():
        raise DomainValidationError(_("This week already has rows: remove them first to copy last week."))
    shift = timesheet.week - previous.week
    projects = set(bookable_projects().values_list("pk", flat=True))
    rows = []
    for line in previous.lines.prefetch_related("entries").select_related("activity"):
        if line.project_id and line.project_id not in projects:
            continue
        if line.activity is not None and not line.activity.is_active:
            continue
        rows.append(
            {
                "project": line.project_id,
                "task": line.task_id,
                "activity": line.activity_id,
                "days": {entry.day + shift: entry.days for entry in line.entries.all()},
            }
        )
    return timesheet_save(actor=actor, timesheet=timesheet, expected_version=expected_version, rows=rows)


@transaction.atomic
def time_entry_import(
    *, actor, resource: Resource, day: date, project=None, activity=None, days: Decimal, note: str = ""
) -> TimeEntry:
    """Record imported time (project office, resource.change): the entry of `day` on the person's week
    (created as a draft), replacing what the same row held that day. Refused on a submitted or approved
    week, and when the day's total would exceed one day."""
    RULES.check(actor, "resource.change", resource)
    monday = week_start(day)
    timesheet, _created = Timesheet.objects.get_or_create(resource=resource, week=monday)
    timesheet = _lock(timesheet, None)
    if timesheet.status not in EDITABLE:
        raise DomainValidationError(
            _about_day(
                _("The week of %(day)s is %(status)s: time is no longer added to it."),
                day,
                status=timesheet.get_status_display().lower(),
            )
        )
    line, _created = TimesheetLine.objects.get_or_create(
        timesheet=timesheet,
        project=project,
        task=None,
        activity=activity,
        defaults={"order": timesheet.lines.count()},
    )
    others = (
        TimeEntry.objects.filter(line__timesheet=timesheet, day=day)
        .exclude(line=line)
        .aggregate(total=models.Sum("days"))["total"]
        or ZERO
    )
    if others + days > ONE:
        raise DomainValidationError(
            _about_day(_("%(day)s: more than one day in total for this person."), day)
        )
    entry, _created = TimeEntry.objects.update_or_create(
        line=line, day=day, defaults={"days": days, "note": note}
    )
    TimesheetLine.objects.filter(pk=line.pk).update(
        approval=LineApproval.PENDING, decided_by=None, decided_at=None
    )
    with audited(timesheet, actor, ("status",)):
        save_versioned(timesheet, update_fields=[])
    from ppm.audit import audit_record

    audit_record(
        instance=timesheet,
        action=AuditEntry.Action.UPDATE,
        actor=actor,
        changes={
            "import": {
                "label": str(_("imported time")),
                "old": "",
                "new": f"{day.isoformat()}: {display_time(days)} ({line})",
            }
        },
    )
    return entry
