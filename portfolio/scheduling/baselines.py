"""Baselines of a project's schedule and of the portfolio: take, rename, delete, compare (services and
selectors). The comparison itself is pure (portfolio.scheduling.drift); this module loads the two states.

Who may do what:
* a project baseline is taken by whoever edits the project's schedule (project office, administrators,
  the project's manager); a portfolio baseline by the project office and administrators;
* renaming and deleting any baseline is the project office's (and administrators') only: what a committee
  approved is not rewritten by the project it judged;
* everyone signed in reads and compares.

Every write is audited; a project baseline's entries appear in its project's history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from portfolio.models import Project
from portfolio.permissions import MANAGERS, manages
from portfolio.scheduling import drift
from portfolio.scheduling.calendar import WorkingCalendar
from portfolio.scheduling.models import (
    Baseline,
    BaselineTask,
    CalendarException,
    PortfolioBaseline,
    PortfolioBaselineEntry,
    Task,
)
from portfolio.scheduling.services import calendar_with_closures, project_calendar
from ppm.audit import audit_record, audited
from ppm.bulk import bulk_update
from ppm.exceptions import DomainNotFound, DomainPermissionError, DomainValidationError
from ppm.models import AuditEntry
from ppm.permissions import EDITORS, SIGNED_IN, Rule, RuleTable
from ppm.versioning import lock_for_update

NAME_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 5000
TODAY = "today"
BASELINE_TASK_FIELDS = ("id", "wbs", "name", "start", "finish", "duration", "estimate_days", "milestone")


# ------------------------------------------------------------------------------------- permissions


def _owns_feed(user, token) -> bool:
    return getattr(token, "user_id", None) == user.pk


# The baselines' and calendar feeds' table (ppm.permissions); its answers are stated in
# tests/test_permissions_matrix.py. `baseline.create` is about a project (its manager takes baselines).
RULES = RuleTable(
    "baselines",
    rules=[
        Rule("baseline.view", roles=SIGNED_IN),
        Rule("baseline.create", roles=EDITORS),
        Rule("baseline.create", roles=MANAGERS, when=manages),
        Rule("baseline.change", roles=EDITORS),
        Rule("portfoliobaseline.view", roles=SIGNED_IN),
        Rule("portfoliobaseline.create", roles=EDITORS),
        Rule("portfoliobaseline.change", roles=EDITORS),
        Rule("calendarfeed.create", roles=SIGNED_IN),
        Rule("calendarfeed.delete", roles=SIGNED_IN, when=_owns_feed),
    ],
    messages={
        "baseline.create": _lazy("Only the project office and the project's manager take its baselines."),
        "baseline.change": _lazy("Only the project office renames or deletes a baseline."),
        "portfoliobaseline.create": _lazy("Only the project office takes a portfolio baseline."),
        "portfoliobaseline.change": _lazy("Only the project office renames or deletes a baseline."),
    },
)


def can_take_baseline(user, project: Project) -> bool:
    return RULES.allows(user, "baseline.create", project)


def can_take_portfolio_baseline(user) -> bool:
    return RULES.allows(user, "portfoliobaseline.create")


def can_change_baseline(user) -> bool:
    """Rename or delete a (project or portfolio) baseline: the project office's and administrators'."""
    return RULES.allows(user, "baseline.change")


# ------------------------------------------------------------------------------------------ input


def _clean_text(name: str | None, note: str | None) -> tuple[str, str]:
    name = (name or "").strip()
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the baseline a name, e.g. the committee session.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("At most %(n)d characters.") % {"n": NAME_MAX_LENGTH}]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [_("At most %(n)d characters.") % {"n": NOTE_MAX_LENGTH}]
    if "\x00" in name or "\x00" in note:
        errors.setdefault("name", []).append(_("Text cannot contain NUL characters."))
    if errors:
        raise DomainValidationError(field_errors=errors)
    return name, note


# --------------------------------------------------------------------------------- project: writes


@transaction.atomic
def baseline_take(
    *, actor, project: Project, name: str, note: str = "", taken_at: datetime | None = None
) -> Baseline:
    """Save every task of `project` (dates, duration, work, milestone flag) as a new baseline.

    One INSERT for the baseline, one for its tasks (whatever their number), one audit entry."""
    if not can_take_baseline(actor, project):
        raise DomainPermissionError(RULES.message("baseline.create"))
    name, note = _clean_text(name, note)
    baseline = Baseline.objects.create(
        project=project,
        name=name,
        note=note,
        taken_at=taken_at or timezone.now(),
        taken_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    rows = Task.objects.filter(project=project).order_by("pk").values_list(*BASELINE_TASK_FIELDS)
    BaselineTask.objects.bulk_create(
        [
            BaselineTask(
                baseline=baseline,
                task_id=pk,
                wbs=wbs,
                name=task_name,
                start=start,
                finish=finish,
                duration=duration or 0,
                estimate_days=estimate,
                milestone=milestone,
            )
            for pk, wbs, task_name, start, finish, duration, estimate, milestone in rows
        ],
        batch_size=1000,
    )
    audit_record(
        instance=baseline,
        action=AuditEntry.Action.CREATE,
        actor=actor,
        changes={
            "name": {"label": str(Baseline._meta.get_field("name").verbose_name), "old": "", "new": name}
        },
    )
    return baseline


B = TypeVar("B", Baseline, PortfolioBaseline)


def _rename(*, actor, baseline: B, name: str, note: str | None) -> B:
    """Rename a project or portfolio baseline (project office and administrators); audited."""
    if not can_change_baseline(actor):
        raise DomainPermissionError(RULES.message("baseline.change"))
    baseline = lock_for_update(type(baseline), baseline.pk)
    name, clean_note = _clean_text(name, baseline.note if note is None else note)
    with audited(baseline, actor, ("name", "note")) as audit:
        baseline.name, baseline.note = name, clean_note
        if audit.changed():
            baseline.save(update_fields=["name", "note"])
    return baseline


def _delete(*, actor, baseline: Baseline | PortfolioBaseline) -> None:
    if not can_change_baseline(actor):
        raise DomainPermissionError(RULES.message("baseline.change"))
    audit_record(instance=baseline, action=AuditEntry.Action.DELETE, actor=actor)
    baseline.delete()


@transaction.atomic
def baseline_rename(*, actor, baseline: Baseline, name: str, note: str | None = None) -> Baseline:
    return _rename(actor=actor, baseline=baseline, name=name, note=note)


@transaction.atomic
def baseline_delete(*, actor, baseline: Baseline) -> None:
    _delete(actor=actor, baseline=baseline)


# ------------------------------------------------------------------------------- portfolio: writes


@transaction.atomic
def portfolio_baseline_take(
    *, actor, name: str, note: str = "", taken_at: datetime | None = None
) -> PortfolioBaseline:
    """Save every project's planned and forecast dates and its milestones (three queries, whatever the
    number of projects)."""
    if not can_take_portfolio_baseline(actor):
        raise DomainPermissionError(RULES.message("portfoliobaseline.create"))
    name, note = _clean_text(name, note)
    baseline = PortfolioBaseline.objects.create(
        name=name,
        note=note,
        taken_at=taken_at or timezone.now(),
        taken_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    milestones: dict[int, list] = defaultdict(list)
    for project_id, task_id, task_name, start, finish in (
        Task.objects.filter(milestone=True)
        .order_by("project_id", "finish", "pk")
        .values_list("project_id", "pk", "name", "start", "finish")
    ):
        day = finish or start
        milestones[project_id].append([task_id, task_name, day.isoformat() if day else None])
    PortfolioBaselineEntry.objects.bulk_create(
        [
            PortfolioBaselineEntry(
                baseline=baseline,
                project_id=pk,
                planned_start=planned_start,
                planned_end=planned_end,
                forecast_start=forecast_start,
                forecast_finish=forecast_finish,
                milestones=milestones.get(pk, []),
            )
            for pk, planned_start, planned_end, forecast_start, forecast_finish in Project.objects.order_by(
                "pk"
            ).values_list("pk", "planned_start", "planned_end", "forecast_start", "forecast_finish")
        ],
        batch_size=1000,
    )
    audit_record(
        instance=baseline,
        action=AuditEntry.Action.CREATE,
        actor=actor,
        changes={
            "name": {
                "label": str(PortfolioBaseline._meta.get_field("name").verbose_name),
                "old": "",
                "new": name,
            }
        },
    )
    return baseline


@transaction.atomic
def portfolio_baseline_rename(
    *, actor, baseline: PortfolioBaseline, name: str, note: str | None = None
) -> PortfolioBaseline:
    return _rename(actor=actor, baseline=baseline, name=name, note=note)


@transaction.atomic
def portfolio_baseline_delete(*, actor, baseline: PortfolioBaseline) -> None:
    _delete(actor=actor, baseline=baseline)


# --------------------------------------------------------------------------------------- selectors


def portfolio_calendar() -> WorkingCalendar:
    """Metropolitan France minus the organisation's closed days: the calendar of portfolio drifts (and of
    the capacity plan and timesheets), kept per process for these closed days."""
    closures = CalendarException.objects.filter(project__isnull=True).values_list("start", "end")
    return calendar_with_closures("", closures)


def baseline_list(project: Project) -> QuerySet[Baseline]:
    """The project's baselines, newest first, with their task count and who took them."""
    return (
        Baseline.objects.filter(project=project)
        .select_related("taken_by")
        .annotate(task_count=Count("tasks"))
        .order_by("-taken_at", "-pk")
    )


def baseline_get(*, pk) -> Baseline:
    try:
        return Baseline.objects.select_related("project", "taken_by").get(pk=int(pk))
    except (Baseline.DoesNotExist, ValueError, TypeError, OverflowError):
        raise DomainNotFound() from None


def portfolio_baseline_list() -> QuerySet[PortfolioBaseline]:
    return (
        PortfolioBaseline.objects.select_related("taken_by")
        .annotate(project_count=Count("entries"))
        .order_by("-taken_at", "-pk")
    )


def portfolio_baseline_get(*, pk) -> PortfolioBaseline:
    try:
        return PortfolioBaseline.objects.select_related("taken_by").get(pk=int(pk))
    except (PortfolioBaseline.DoesNotExist, ValueError, TypeError, OverflowError):
        raise DomainNotFound() from None


BASELINE_STATE_FIELDS = ("pk", "task_id", "wbs", "name", "start", "finish", "duration", "milestone")
TODAY_STATE_FIELDS = ("pk", "wbs", "name", "start", "finish", "duration", "milestone", "estimate_days")


def _baseline_state(baseline: Baseline) -> list[drift.TaskDates]:
    rows = BaselineTask.objects.filter(baseline=baseline).order_by("pk").values_list(*BASELINE_STATE_FIELDS)
    # A task deleted since keeps a key of its own: it reads as removed.
    return [
        drift.TaskDates(
            task_id if task_id is not None else f"b{pk}", wbs, name, start, finish, dur, milestone
        )
        for pk, task_id, wbs, name, start, finish, dur, milestone in rows
    ]


def _today_state(project: Project) -> list[drift.TaskDates]:
    rows = Task.objects.filter(project=project).order_by("pk").values_list(*TODAY_STATE_FIELDS)
    return [
        drift.TaskDates(pk, wbs, name, start, finish, dur or 0, milestone, estimate)
        for pk, wbs, name, start, finish, dur, milestone, estimate in rows
    ]


@dataclass(frozen=True)
class BaselineComparison:
    project: Project
    reference: Baseline
    other: Baseline | None  # None: today's schedule
    result: drift.Comparison


def baseline_compare(*, reference: Baseline, other: Baseline | None) -> BaselineComparison:
    """`other` (a later baseline of the same project, or today's schedule when None) against `reference`.

    A constant number of queries: the two states and the calendar's exceptions."""
    project = reference.project
    if other is not None and other.project_id != reference.project_id:
        raise DomainValidationError(
            field_errors={"with": [_("Compare two baselines of the same project.")]}, code="invalid"
        )
    current = _today_state(project) if other is None else _baseline_state(other)
    result = drift.compare(_baseline_state(reference), current, project_calendar(project))
    return BaselineComparison(project=project, reference=reference, other=other, result=result)


def resolve_other(reference_project_id: int, value: str | None) -> Baseline | None:
    """The `with` parameter of a comparison: "today" (or nothing) → None, else a baseline's id."""
    if value in (None, "", TODAY):
        return None
    other = baseline_get(pk=value)
    if other.project_id != reference_project_id:
        raise DomainValidationError(field_errors={"with": [_("Compare two baselines of the same project.")]})
    return other


def milestone_trend(project: Project, *, today: date | None = None) -> drift.Trend:
    """For each milestone of `project`, its date at each baseline (oldest first) and today (3 queries)."""
    baselines = list(
        Baseline.objects.filter(project=project)
        .order_by("taken_at", "pk")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=BaselineTask.objects.filter(milestone=True).order_by("pk"),
                to_attr="milestone_tasks",
            )
        )
    )
    points = [
        drift.TrendPoint(
            b.name,
            timezone.localdate(b.taken_at),
            [
                drift.TaskDates(t.task_id or f"b{t.pk}", t.wbs, t.name, t.start, t.finish, 0, True)
                for t in b.milestone_tasks
            ],
        )
        for b in baselines
    ]
    now = [
        drift.TaskDates(pk, wbs, name, start, finish, 0, True)
        for pk, wbs, name, start, finish in Task.objects.filter(project=project, milestone=True)
        .order_by("pk")
        .values_list("pk", "wbs", "name", "start", "finish")
    ]
    points.append(drift.TrendPoint(_("Today"), today or timezone.localdate(), now))
    return drift.milestone_trend(points)


def _entry_state(entries: Iterable[PortfolioBaselineEntry]) -> list[drift.ProjectDates]:
    return [
        drift.ProjectDates(
            e.project_id,
            e.project.code,
            e.project.name,
            e.planned_start,
            e.planned_end,
            e.forecast_start,
            e.forecast_finish,
            [(m[0], m[1], date.fromisoformat(m[2]) if m[2] else None) for m in (e.milestones or [])],
        )
        for e in entries
    ]


def _portfolio_today() -> list[drift.ProjectDates]:
    milestones: dict[int, list] = defaultdict(list)
    for project_id, task_id, task_name, start, finish in (
        Task.objects.filter(milestone=True)
        .order_by("project_id", "finish", "pk")
        .values_list("project_id", "pk", "name", "start", "finish")
    ):
        milestones[project_id].append((task_id, task_name, finish or start))
    return [
        drift.ProjectDates(pk, code, name, ps, pe, fs, ff, milestones.get(pk, []))
        for pk, code, name, ps, pe, fs, ff in Project.objects.order_by("code").values_list(
            "pk", "code", "name", "planned_start", "planned_end", "forecast_start", "forecast_finish"
        )
    ]


def portfolio_baseline_compare(
    *, reference: PortfolioBaseline, other: PortfolioBaseline | None
) -> list[drift.ProjectDrift]:
    """Per project, `other` (or today's portfolio when None) against `reference` (constant queries)."""
    before = _entry_state(reference.entries.select_related("project").order_by("project__code"))
    if other is None:
        after = _portfolio_today()
    else:
        after = _entry_state(other.entries.select_related("project").order_by("project__code"))
    return drift.compare_portfolio(before, after, portfolio_calendar())


def resolve_portfolio_other(value: str | None) -> PortfolioBaseline | None:
    if value in (None, "", TODAY):
        return None
    return portfolio_baseline_get(pk=value)


# -------------------------------------------------------------------------------------------- demo


def last_quarterly_committee(today: date) -> date:
    """The demo's committee sits on the 15th of the first month of each quarter: the last one on or before
    `today` (the 15th moved back to a Tuesday, the usual committee day)."""
    quarter_month = (today.month - 1) // 3 * 3 + 1
    day = date(today.year, quarter_month, 15)
    if day > today:
        quarter_month -= 3
        day = date(today.year - (quarter_month < 1), (quarter_month - 1) % 12 + 1, 15)
    return day - timedelta(days=(day.weekday() - 1) % 7)


def demo_baseline_take(*, project: Project, today: date, actor, seed: str) -> Baseline | None:
    """The baseline the last quarterly committee approved for a demo project (called by the schedule demo).

    It is today's plan with the work still ahead of the committee date compressed on about two projects in
    three: those have slipped since (1 to 15 working days by the project's end), the others are on plan.
    Deterministic from `seed`."""
    import random

    committee = last_quarterly_committee(today)
    name = _("Steering committee of %(date)s") % {"date": committee.strftime("%d/%m/%Y")}
    if not can_take_baseline(actor, project) or Baseline.objects.filter(project=project, name=name).exists():
        return None
    rng = random.Random(f"{seed}:baseline:{project.code}")  # noqa: S311 - demo data, not security
    taken_at = timezone.make_aware(datetime.combine(committee, time(16, 0)))
    baseline = baseline_take(actor=actor, project=project, name=name, note="", taken_at=taken_at)
    slip = rng.choice((0, 0, 2, 4, 6, 9, 12, 15))
    if not slip:
        return baseline
    calendar = project_calendar(project)
    rows = list(BaselineTask.objects.filter(baseline=baseline, start__isnull=False, finish__isnull=False))
    last = max((row.finish for row in rows if row.finish), default=None)
    if last is None or last <= committee:
        return baseline
    span = max(1, calendar.working_days_between(committee, last))
    for row in rows:
        start, finish = row.start, row.finish
        if start is None or finish is None or start <= committee:
            continue
        # Work further from the committee slipped more: the baseline had it earlier.
        shift = round(slip * calendar.working_days_between(committee, start) / span)
        if shift:
            row.start = max(committee, calendar.add_working_days(start, -shift))
            row.finish = max(row.start, calendar.add_working_days(finish, -shift))
    bulk_update(BaselineTask, rows, ["start", "finish"], batch_size=500)
    return baseline


def demo_portfolio_baseline_take(*, today: date, actor) -> PortfolioBaseline | None:
    """The portfolio baseline of the last quarterly committee: every project's dates then, the scheduled
    ones from their demo baseline (so the portfolio comparison shows the same drift)."""
    if not can_take_portfolio_baseline(actor) or PortfolioBaseline.objects.exists():
        return None
    committee = last_quarterly_committee(today)
    taken_at = timezone.make_aware(datetime.combine(committee, time(17, 0)))
    name = _("Portfolio committee of %(date)s") % {"date": committee.strftime("%d/%m/%Y")}
    portfolio = portfolio_baseline_take(actor=actor, name=name, taken_at=taken_at)
    committee_baselines = {
        b.project_id: b for b in Baseline.objects.filter(taken_at=taken_at - timedelta(hours=1))
    }
    milestones: dict[int, list] = defaultdict(list)
    finishes: dict[int, date] = {}
    starts: dict[int, date] = {}
    for row in BaselineTask.objects.filter(baseline__in=committee_baselines.values()).values(
        "baseline__project_id", "task_id", "name", "start", "finish", "milestone"
    ):
        project_id = row["baseline__project_id"]
        if row["finish"]:
            finishes[project_id] = max(finishes.get(project_id, row["finish"]), row["finish"])
        if row["start"]:
            starts[project_id] = min(starts.get(project_id, row["start"]), row["start"])
        if row["milestone"] and row["finish"]:
            milestones[project_id].append([row["task_id"], row["name"], row["finish"].isoformat()])
    entries = list(portfolio.entries.filter(project_id__in=committee_baselines))
    for entry in entries:
        entry.forecast_start = starts.get(entry.project_id, entry.forecast_start)
        entry.forecast_finish = finishes.get(entry.project_id, entry.forecast_finish)
        entry.milestones = sorted(milestones.get(entry.project_id, []), key=lambda m: (m[2], m[0]))
    bulk_update(PortfolioBaselineEntry, entries, ["forecast_start", "forecast_finish", "milestones"])
    return portfolio
