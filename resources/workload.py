"""Writes to a project's workload plan (allocations) and to the ratio templates.

Concurrency (two tokens, never the project's own version)
--------------------------------------------------------
* Every service locks the **project row** first (`select_for_update`, no version check): two writes to
  one plan run one after the other. The project's `version` is NOT bumped by plan edits, so that editing
  the plan never turns an open project form stale.
* A **cell** is one Allocation (a VersionedModel): `allocation_cell_set` and `allocation_update` take the
  `expected_version` the caller read (StaleVersionError, 412, when the cell changed meanwhile; a cell
  that was created or removed meanwhile counts as changed).
* A **whole plan** has an ETag, `plan_etag(project)`: a hash of (id, version) of all the project's
  allocations. Bulk writes (`allocation_plan_replace`, `ratio_template_apply`, `allocation_staff`,
  `plan_reconcile`) take the `expected_plan_etag` the caller read and refuse with StalePlanError (412)
  when any allocation of the project was created, changed or removed since.

Every write is audited with the project as the parent object (Allocation.audit_parent = "project"); bulk
writes record their entries in one INSERT (ppm.audit.audit_record_bulk).

The plan of record is the allocations: the capacity plan reads only them. The schedule *proposes*
(`workload_selectors.plan_propose_from_tasks`) and the manager accepts (`plan_reconcile`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.scheduling.calendar import WorkingCalendar
from portfolio.scheduling.models import Task
from portfolio.scheduling.services import project_calendar
from ppm.audit import AuditRecord, audit_diff, audit_record_bulk, audit_snapshot
from ppm.exceptions import DomainError, DomainValidationError, StaleVersionError
from ppm.models import AuditEntry
from ppm.versioning import lock_for_update, save_versioned
from resources.capacity import add_months, month_start, week_start
from resources.capacity_plan import changes_capacity
from resources.models import (
    DAYS_MAX_DIGITS,
    Allocation,
    AllocationSource,
    PeriodGrain,
    Profile,
    RatioTemplate,
    RatioTemplateLine,
    Resource,
    RoleFamily,
)
from resources.permissions import RULES

CENT = Decimal("0.01")
ZERO = Decimal("0")
DAYS_MAX = Decimal(10 ** (DAYS_MAX_DIGITS - 2)) - CENT
MAX_PLAN_MONTHS = 120
MAX_PLAN_ROWS = 5000
ALLOCATION_FIELDS = tuple(Allocation.audit_fields)
TEMPLATE_FIELDS = tuple(RatioTemplate.audit_fields)


class StalePlanError(DomainError):
    """The project's plan changed since the caller read it (another allocation was written)."""

    status = 412
    code = "stale_plan"

    def __init__(self, *, current_etag: str):
        self.current_etag = current_etag
        super().__init__(
            _(
                "The workload plan was changed by someone else in the meantime. Reload it and apply your "
                "change again."
            )
        )

    def as_dict(self) -> dict:
        return {**super().as_dict(), "current_etag": self.current_etag}


class PlanRowsError(DomainValidationError):
    """Rows of a bulk write that are refused: nothing was written. `rows` lists {index, field, message}."""

    code = "invalid_rows"

    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = rows
        super().__init__(
            _("%(count)d row(s) are not valid; nothing was saved.")
            % {"count": len({r["index"] for r in rows})}
        )

    def as_dict(self) -> dict:
        return {**super().as_dict(), "rows": self.rows}


# ------------------------------------------------------------------------------------- pure helpers


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def distribute(total: Decimal, weights: Sequence[float | int | Decimal]) -> list[Decimal]:
    """`total` split in proportion to `weights`, to the cent, summing exactly to `total` (largest
    remainder: the cents lost to rounding down go to the largest fractional parts, earliest first)."""
    total = quantize(Decimal(total))
    weights_d = [Decimal(str(w)) if not isinstance(w, Decimal) else w for w in weights]
    weight_sum = sum(weights_d, ZERO)
    if not weights_d:
        return []
    if weight_sum <= 0:
        weights_d = [Decimal(1)] * len(weights_d)
        weight_sum = Decimal(len(weights_d))
    cents = int(total / CENT)
    exact = [Decimal(cents) * w / weight_sum for w in weights_d]
    floors = [int(x) for x in exact]
    left = cents - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from `start`'s to `end`'s, inclusive."""
    first, last = month_start(start), month_start(end)
    result: list[date] = []
    current = first
    while current <= last and len(result) <= MAX_PLAN_MONTHS:
        result.append(current)
        current = add_months(current, 1)
    return result


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def working_days_by_month(
    calendar: WorkingCalendar, start: date, finish: date, months: Sequence[date]
) -> list[int]:
    """Working days of [start, finish] falling in each of `months`."""
    values = []
    for first in months:
        lo, hi = max(first, start), min(month_end(first), finish)
        values.append(calendar.working_days_in(lo, hi) if lo <= hi else 0)
    return values


def plan_etag_of(pairs: Iterable[tuple[int, int]]) -> str:
    """The plan's ETag from its allocations' (id, version) pairs (order does not matter)."""
    digest = hashlib.sha256()
    for pk, version in sorted(pairs):
        digest.update(f"{pk}:{version};".encode())
    return digest.hexdigest()[:24]


def plan_etag(project: Project | int) -> str:
    project_id = project.pk if isinstance(project, Project) else project
    return plan_etag_of(Allocation.objects.filter(project_id=project_id).values_list("pk", "version"))


# ---------------------------------------------------------------------------------------- helpers


def _check_change(actor, project: Project) -> None:
    if actor is not None:
        RULES.check(actor, "allocation.change", project)


def _lock_project(project: Project) -> Project:
    """The project row, locked (no version check: plan edits never make the project stale)."""
    return lock_for_update(Project, project.pk)


def _check_plan_etag(project: Project, expected: str | None) -> None:
    if expected is None:
        return
    current = plan_etag(project)
    if expected.strip('"') != current:
        raise StalePlanError(current_etag=current)


def _days(value: Any) -> Decimal:
    try:
        days = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(_("Enter a number of days, e.g. 2.5.")) from None
    if not days.is_finite():
        raise ValueError(_("Enter a number of days, e.g. 2.5."))
    if days < 0:
        raise ValueError(_("Days cannot be negative."))
    if days > DAYS_MAX:
        raise ValueError(_("At most %(max)s days.") % {"max": DAYS_MAX})
    if days != quantize(days):
        raise ValueError(_("Days have at most two decimals."))
    return days


def _resource_families(resource: Resource) -> set[str]:
    families = {resource.primary_profile.family}
    families.update(profile.family for profile in resource.profiles.all())
    return families


@dataclass(frozen=True)
class Cell:
    """A validated cell key and value."""

    family: str
    profile: Profile | None
    resource: Resource | None
    grain: str
    period_start: date
    days: Decimal
    is_external: bool
    note: str = ""

    @property
    def key(self) -> tuple:
        return (
            self.family,
            self.profile.pk if self.profile else None,
            self.resource.pk if self.resource else None,
            self.grain,
            self.period_start,
            self.is_external,
        )


def _key_of(allocation: Allocation) -> tuple:
    return (
        allocation.family,
        allocation.profile_id,
        allocation.resource_id,
        allocation.grain,
        allocation.period_start,
        allocation.is_external,
    )


def validate_cell(
    *,
    family: str | None,
    profile: Profile | None,
    resource: Resource | None,
    grain: str,
    period_start: date | None,
    days: Any,
    is_external: bool | None,
    note: str = "",
) -> tuple[Cell | None, dict[str, list[str]]]:
    """A Cell, or the field errors that refuse it (every one, not only the first)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if resource is not None and not family:
        family = resource.primary_profile.family
    if family not in RoleFamily.values:
        errors["family"].append(_("Choose MOA, MOE or AMOA."))
    if profile is not None and family in RoleFamily.values and profile.family != family:
        errors["profile"].append(
            _("The role “%(profile)s” is not of the family %(family)s.")
            % {"profile": profile, "family": RoleFamily(family).label}
        )
    if resource is not None:
        if not resource.is_active:
            errors["resource"].append(_("“%(name)s” is not active.") % {"name": resource})
        elif family in RoleFamily.values and family not in _resource_families(resource):
            errors["resource"].append(
                _("“%(name)s” has no role of the family %(family)s.")
                % {"name": resource, "family": RoleFamily(family).label}
            )
        if is_external is not None and is_external != resource.is_external:
            errors["is_external"].append(
                _("“%(name)s” is internal staff.")
                if not resource.is_external
                else _("“%(name)s” is external.")
            )
            errors["is_external"][-1] = errors["is_external"][-1] % {"name": resource}
        is_external = resource.is_external
    if grain not in PeriodGrain.values:
        errors["grain"].append(_("Choose month or week."))
    if period_start is None:
        errors["period_start"].append(_("Enter the first day of the period."))
    elif grain == PeriodGrain.MONTH and period_start.day != 1:
        errors["period_start"].append(_("A month starts on its first day."))
    elif grain == PeriodGrain.WEEK and period_start != week_start(period_start):
        errors["period_start"].append(_("A week starts on a Monday."))
    try:
        value = _days(days)
    except ValueError as error:
        errors["days"].append(str(error))
        value = ZERO
    if len(note or "") > 200:
        errors["note"].append(_("At most 200 characters."))
    if errors:
        return None, dict(errors)
    assert family is not None and period_start is not None
    return (
        Cell(family, profile, resource, grain, period_start, value, bool(is_external), note or ""),
        {},
    )


def _allocations_of(project: Project, **filters):
    return list(
        Allocation.objects.filter(project=project, **filters)
        .select_related("profile", "resource")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


class _Batch:
    """Creates, updates and deletes of allocations, audited together in one INSERT."""

    def __init__(self, project: Project):
        self.project = project
        self.records: list[AuditRecord] = []

    def _bind(self, allocation: Allocation) -> Allocation:
        allocation.project = self.project  # the audit parent, without a query per row
        return allocation

    def create(self, allocation: Allocation) -> Allocation:
        self._bind(allocation)
        allocation.save()
        self.records.append(
            AuditRecord(
                allocation,
                AuditEntry.Action.CREATE,
                audit_diff({}, audit_snapshot(allocation, ALLOCATION_FIELDS)),
            )
        )
        return allocation

    def update(self, allocation: Allocation, **values) -> Allocation:
        self._bind(allocation)
        before = audit_snapshot(allocation, ALLOCATION_FIELDS)
        for name, value in values.items():
            setattr(allocation, name, value)
        save_versioned(allocation)
        changes = audit_diff(before, audit_snapshot(allocation, ALLOCATION_FIELDS))
        if changes:
            self.records.append(AuditRecord(allocation, AuditEntry.Action.UPDATE, changes))
        return allocation

    def delete(self, allocations: Sequence[Allocation]) -> None:
        if not allocations:
            return
        for allocation in allocations:
            self._bind(allocation)
            before = audit_snapshot(allocation, ALLOCATION_FIELDS)
            self.records.append(
                AuditRecord(allocation, AuditEntry.Action.DELETE, audit_diff(before, {}) or _deleted(before))
            )
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()

    def commit(self, actor) -> None:
        if self.records:
            audit_record_bulk(actor=actor, records=self.records)


def _deleted(before: dict) -> dict:
    return {name: {"label": v["label"], "old": v["value"], "new": ""} for name, v in before.items()}


# ---------------------------------------------------------------------------------------- one cell


@transaction.atomic
@changes_capacity
def allocation_cell_set(
    *,
    actor,
    project: Project,
    family: str | None,
    profile: Profile | None = None,
    resource: Resource | None = None,
    grain: str = PeriodGrain.MONTH,
    period_start: date | None,
    days: Any,
    is_external: bool | None = None,
    expected_version: int | None = None,
    note: str | None = None,
) -> Allocation | None:
    """Set one cell of the plan: create it, change its days, or delete it when `days` is 0.

    `expected_version` is the cell's version the caller read (0 for a cell that was empty): a cell
    changed, created or removed since is refused with StaleVersionError. An edited template-derived cell
    keeps its `template_days`, so its deviation shows. Returns the allocation (None when deleted).
    """
    _check_change(actor, project)
    project = _lock_project(project)
    cell, errors = validate_cell(
        family=family,
        profile=profile,
        resource=resource,
        grain=grain,
        period_start=period_start,
        days=days,
        is_external=is_external,
        note=note or "",
    )
    if cell is None:
        raise DomainValidationError(field_errors=errors)
    existing = next(
        (
            a
            for a in _allocations_of(
                project,
                family=cell.family,
                profile=cell.profile,
                resource=cell.resource,
                grain=cell.grain,
                period_start=cell.period_start,
                is_external=cell.is_external,
            )
        ),
        None,
    )
    current_version = existing.version if existing is not None else 0
    if expected_version is not None and expected_version != current_version:
        raise StaleVersionError(
            _("This cell was changed by someone else in the meantime: it now holds %(days)s days.")
            % {"days": existing.days if existing is not None else 0},
            current_version=current_version,
        )
    batch = _Batch(project)
    result: Allocation | None
    if existing is None:
        if cell.days == 0:
            return None
        result = batch.create(
            Allocation(
                project=project,
                family=cell.family,
                profile=cell.profile,
                resource=cell.resource,
                grain=cell.grain,
                period_start=cell.period_start,
                days=cell.days,
                is_external=cell.is_external,
                note=cell.note,
            )
        )
    elif cell.days == 0 and existing.template_days is None:
        batch.delete([existing])
        result = None
    else:
        # A template-derived cell set to 0 is kept (at 0), so that its deviation stays visible.
        values: dict[str, Any] = {"days": cell.days}
        if note is not None:
            values["note"] = cell.note
        result = batch.update(existing, **values)
    batch.commit(actor)
    return result


@transaction.atomic
@changes_capacity
def allocation_update(
    *, actor, allocation: Allocation, data: Mapping[str, Any], expected_version: int | None = None
) -> Allocation:
    """Change an allocation's days or note (the API's PATCH)."""
    project = allocation.project
    _check_change(actor, project)
    project = _lock_project(project)
    allocation = lock_for_update(Allocation, allocation.pk, expected_version)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "days" in data:
        try:
            values["days"] = _days(data["days"])
        except ValueError as error:
            errors["days"] = [str(error)]
    if "note" in data:
        if len(data["note"] or "") > 200:
            errors["note"] = [_("At most 200 characters.")]
        values["note"] = data["note"] or ""
    if errors:
        raise DomainValidationError(field_errors=errors)
    batch = _Batch(project)
    batch.update(allocation, **values)
    batch.commit(actor)
    return allocation


@transaction.atomic
@changes_capacity
def allocation_delete(*, actor, allocation: Allocation, expected_version: int | None = None) -> None:
    project = allocation.project
    _check_change(actor, project)
    project = _lock_project(project)
    allocation = lock_for_update(Allocation, allocation.pk, expected_version)
    batch = _Batch(project)
    batch.delete([allocation])
    batch.commit(actor)


# ------------------------------------------------------------------------------------ whole plan


@transaction.atomic
@changes_capacity
def allocation_plan_replace(
    *, actor, project: Project, rows: Sequence[Mapping[str, Any]], expected_plan_etag: str | None
) -> list[Allocation]:
    """Replace the project's whole plan by `rows`, all or nothing.

    Each row: family, profile (Profile or None), resource (Resource or None), grain, period_start,
    days, is_external (optional), note (optional). Every bad row is reported (PlanRowsError: index, field,
    message) and nothing is written. A row matching an existing cell updates it (keeping its source and
    `template_days`); existing cells absent from `rows` are deleted; rows at 0 days are not kept.
    `expected_plan_etag`: the plan's ETag the caller read (StalePlanError when it changed since).
    """
    _check_change(actor, project)
    project = _lock_project(project)
    _check_plan_etag(project, expected_plan_etag)
    if len(rows) > MAX_PLAN_ROWS:
        raise DomainValidationError(_("At most %(max)d rows in one plan.") % {"max": MAX_PLAN_ROWS})
    problems: list[dict[str, Any]] = []
    cells: dict[tuple, Cell] = {}
    for index, row in enumerate(rows):
        cell, errors = validate_cell(
            family=row.get("family"),
            profile=row.get("profile"),
            resource=row.get("resource"),
            grain=row.get("grain") or PeriodGrain.MONTH,
            period_start=row.get("period_start"),
            days=row.get("days"),
            is_external=row.get("is_external"),
            note=row.get("note") or "",
        )
        for field, messages in errors.items():
            problems.extend({"index": index, "field": field, "message": m} for m in messages)
        if cell is None:
            continue
        if cell.key in cells:
            problems.append(
                {
                    "index": index,
                    "field": "period_start",
                    "message": _("The same cell appears twice (row %(first)d).")
                    % {"first": list(cells).index(cell.key)},
                }
            )
            continue
        cells[cell.key] = cell
    if problems:
        raise PlanRowsError(problems)
    existing = {_key_of(a): a for a in _allocations_of(project)}
    batch = _Batch(project)
    batch.delete(
        [
            a
            for key, a in existing.items()
            if key not in cells or cells[key].days == 0 and a.template_days is None
        ]
    )
    result = []
    for key, cell in cells.items():
        current = existing.get(key)
        if current is None:
            if cell.days == 0:
                continue
            result.append(
                batch.create(
                    Allocation(
                        project=project,
                        family=cell.family,
                        profile=cell.profile,
                        resource=cell.resource,
                        grain=cell.grain,
                        period_start=cell.period_start,
                        days=cell.days,
                        is_external=cell.is_external,
                        note=cell.note,
                    )
                )
            )
        elif cell.days == 0 and current.template_days is None:
            continue
        elif current.days != cell.days or current.note != cell.note:
            result.append(batch.update(current, days=cell.days, note=cell.note))
        else:
            result.append(current)
    batch.commit(actor)
    return result


# --------------------------------------------------------------------------------- ratio templates


def template_spread_weights(
    project: Project, months: Sequence[date], spread: str, calendar: WorkingCalendar | None = None
) -> tuple[list[int], str]:
    """Weights of each month and the spread actually used ("even", or "schedule" when the project has a
    schedule with dated leaf tasks in the range; else "even")."""
    calendar = calendar or project_calendar(project)
    first, last = months[0], month_end(months[-1])
    if spread == "schedule":
        weights = [0] * len(months)
        tasks = (
            Task.objects.filter(project=project, is_summary=False, milestone=False)
            .exclude(start__isnull=True)
            .exclude(finish__isnull=True)
            .filter(start__lte=last, finish__gte=first)
            .values_list("start", "finish")
        )
        for start, finish in tasks:
            assert start is not None and finish is not None  # excluded above
            for i, value in enumerate(working_days_by_month(calendar, start, finish, months)):
                weights[i] += value
        if sum(weights) > 0:
            return weights, "schedule"
    return working_days_by_month(calendar, first, last, months), "even"


@dataclass(frozen=True)
class DerivedLine:
    family: str
    profile: Profile | None
    is_external: bool
    total: Decimal
    monthly: list[Decimal]


def template_derive(
    *, template: RatioTemplate, estimate_days: Decimal, months: Sequence[date], weights: Sequence[int]
) -> list[DerivedLine]:
    """Each template line's days (estimate × ratio, to the cent), split internal/external by its
    outsourced share, then month by month in proportion to `weights` (sums exact to the cent)."""
    derived = []
    for line in template.lines.select_related("profile").order_by("family", "pk"):
        total = quantize(Decimal(estimate_days) * line.ratio)
        external = quantize(total * line.external_share / 100)
        for is_external, amount in ((False, total - external), (True, external)):
            if amount > 0:
                derived.append(
                    DerivedLine(line.family, line.profile, is_external, amount, distribute(amount, weights))
                )
    return derived


@transaction.atomic
@changes_capacity
def ratio_template_apply(
    *,
    actor,
    project: Project,
    template: RatioTemplate,
    estimate_days: Any,
    start_month: date,
    end_month: date,
    spread: str = "even",
    expected_plan_etag: str | None = None,
) -> list[Allocation]:
    """Derive the project's generic demand by family from one estimate in the template's base family.

    Each line's days = estimate × ratio, its outsourced share on `is_external` rows, spread month by
    month over working days ("even") or over the working days of the leaf tasks active in each month
    ("schedule"; even when the project has no dated task in the range). Writes monthly generic rows with
    source=template and template_days = the derived figure. Re-applying replaces the template-sourced
    generic rows; named (staffed) rows are kept and their days are deducted from the generic demand of
    their family and month, so staffing survives and totals match the template.
    """
    _check_change(actor, project)
    project = _lock_project(project)
    _check_plan_etag(project, expected_plan_etag)
    errors: dict[str, list[str]] = {}
    try:
        estimate = _days(estimate_days)
        if estimate <= 0:
            raise ValueError(_("Enter an estimate above 0 days."))
    except ValueError as error:
        errors["estimate_days"] = [str(error)]
        estimate = ZERO
    if start_month is None or end_month is None:
        errors["start_month"] = [_("Enter the first and the last month.")]
    elif month_start(end_month) < month_start(start_month):
        errors["end_month"] = [_("The last month is before the first.")]
    elif len(months_between(start_month, end_month)) > MAX_PLAN_MONTHS:
        errors["end_month"] = [_("At most %(max)d months.") % {"max": MAX_PLAN_MONTHS}]
    if spread not in ("even", "schedule"):
        errors["spread"] = [_("Choose an even spread or one following the schedule.")]
    if not template.lines.exists():
        errors["template"] = [_("This template has no line.")]
    if errors:
        raise DomainValidationError(field_errors=errors)
    months = months_between(start_month, end_month)
    weights, _used = template_spread_weights(project, months, spread)
    derived = template_derive(template=template, estimate_days=estimate, months=months, weights=weights)

    allocations = _allocations_of(project, grain=PeriodGrain.MONTH)
    named: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    generic: dict[tuple, Allocation] = {}
    old_template_rows = []
    for a in allocations:
        if a.resource_id is not None:
            named[(a.family, a.period_start, a.is_external)] += a.days
        else:
            generic[_key_of(a)] = a
            if a.source == AllocationSource.TEMPLATE:
                old_template_rows.append(a)
    batch = _Batch(project)
    written: dict[tuple, Allocation] = {}
    for line in derived:
        for month, amount in zip(months, line.monthly, strict=True):
            staffed_key = (line.family, month, line.is_external)
            staffed = min(named[staffed_key], amount)
            named[staffed_key] -= staffed
            days = amount - staffed
            key = (
                line.family,
                line.profile.pk if line.profile else None,
                None,
                PeriodGrain.MONTH,
                month,
                line.is_external,
            )
            values = {
                "days": days,
                "source": AllocationSource.TEMPLATE,
                "template": template,
                "template_days": days,
            }
            current = generic.get(key)
            if current is not None:
                written[key] = batch.update(current, **values)
            elif days > 0:
                written[key] = batch.create(
                    Allocation(
                        project=project,
                        family=line.family,
                        profile=line.profile,
                        grain=PeriodGrain.MONTH,
                        period_start=month,
                        is_external=line.is_external,
                        **values,
                    )
                )
    batch.delete([a for a in old_template_rows if _key_of(a) not in written])
    batch.commit(actor)
    return list(written.values())


def _template_lines(lines: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = defaultdict(list)
    clean: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    if not lines:
        errors["lines"].append(_("Give at least one line (a family and its ratio)."))
    for index, line in enumerate(lines):
        prefix = _("Line %(n)d: ") % {"n": index + 1}
        family, profile = line.get("family"), line.get("profile")
        if family not in RoleFamily.values:
            errors["lines"].append(prefix + _("choose MOA, MOE or AMOA."))
            continue
        if profile is not None and profile.family != family:
            errors["lines"].append(prefix + _("the role is not of this family."))
        try:
            ratio = Decimal(str(line.get("ratio")))
            if (
                not ratio.is_finite()
                or ratio < 0
                or ratio >= 1000
                or ratio != ratio.quantize(Decimal("0.001"))
            ):
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors["lines"].append(prefix + _("the ratio is a number from 0 to 999.999 (three decimals)."))
            continue
        try:
            share = Decimal(str(line.get("external_share") or 0))
            if not share.is_finite() or not 0 <= share <= 100 or share != share.quantize(CENT):
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors["lines"].append(prefix + _("the outsourced share is a percentage from 0 to 100."))
            continue
        key = (family, profile.pk if profile else None)
        if key in seen:
            errors["lines"].append(prefix + _("this family and role appear twice."))
            continue
        seen.add(key)
        clean.append({"family": family, "profile": profile, "ratio": ratio, "external_share": share})
    return clean, dict(errors)


def _template_save(*, actor, template: RatioTemplate, data: Mapping[str, Any], lines) -> RatioTemplate:
    errors: dict[str, list[str]] = {}
    for name in ("name", "base_family", "is_default", "notes"):
        if name in data:
            setattr(template, name, data[name])
    template.name = (template.name or "").strip()
    if not template.name:
        errors["name"] = [_("Give the template a name.")]
    elif len(template.name) > 200:
        errors["name"] = [_("At most 200 characters.")]
    elif RatioTemplate.objects.filter(name__iexact=template.name).exclude(pk=template.pk).exists():
        errors["name"] = [_("Another template has this name.")]
    if template.base_family not in RoleFamily.values:
        errors["base_family"] = [_("Choose MOA, MOE or AMOA.")]
    clean_lines = None
    if lines is not None:
        clean_lines, line_errors = _template_lines(lines)
        errors.update(line_errors)
    if errors:
        raise DomainValidationError(field_errors=errors)
    creating = template.pk is None
    before = {} if creating else audit_snapshot(template, TEMPLATE_FIELDS)
    if template.is_default:
        RatioTemplate.objects.filter(is_default=True).exclude(pk=template.pk).update(is_default=False)
    save_versioned(template)
    if clean_lines is not None:
        old = [f"{line.family}×{line.ratio}" for line in template.lines.all()]
        template.lines.all().delete()
        RatioTemplateLine.objects.bulk_create(
            RatioTemplateLine(template=template, **line) for line in clean_lines
        )
        new = [f"{line['family']}×{line['ratio']}" for line in clean_lines]
    changes = audit_diff(before, audit_snapshot(template, TEMPLATE_FIELDS))
    if clean_lines is not None and old != new:
        changes["lines"] = {"label": str(_("lines")), "old": ", ".join(old), "new": ", ".join(new)}
    if creating or changes:
        audit_record_bulk(
            actor=actor,
            records=[
                AuditRecord(
                    template, AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE, changes
                )
            ],
        )
    return template


@transaction.atomic
def ratio_template_create(
    *, actor, name: str, base_family: str = RoleFamily.MOE, lines, notes: str = "", is_default: bool = False
) -> RatioTemplate:
    """A new ratio template (project office). `lines`: [{family, profile, ratio, external_share}]."""
    if actor is not None:
        RULES.check(actor, "resource.change")
    template = RatioTemplate()
    return _template_save(
        actor=actor,
        template=template,
        data={"name": name, "base_family": base_family, "notes": notes or "", "is_default": is_default},
        lines=lines,
    )


@transaction.atomic
def ratio_template_update(
    *,
    actor,
    template: RatioTemplate,
    data: Mapping[str, Any],
    lines=None,
    expected_version: int | None = None,
) -> RatioTemplate:
    """Change a template's fields and (when `lines` is given) replace its lines. Allocations already
    derived keep their figures; re-apply the template to a project to derive them again."""
    if actor is not None:
        RULES.check(actor, "resource.change")
    template = lock_for_update(RatioTemplate, template.pk, expected_version)
    return _template_save(actor=actor, template=template, data=data, lines=lines)


@transaction.atomic
def ratio_template_delete(*, actor, template: RatioTemplate, expected_version: int | None = None) -> None:
    """Delete a template; allocations derived from it keep their days and `template_days`."""
    if actor is not None:
        RULES.check(actor, "resource.change")
    template = lock_for_update(RatioTemplate, template.pk, expected_version)
    audit_record_bulk(
        actor=actor,
        records=[
            AuditRecord(
                template, AuditEntry.Action.DELETE, _deleted(audit_snapshot(template, TEMPLATE_FIELDS))
            )
        ],
    )
    template.delete()


# ---------------------------------------------------------------------------------------- staffing


@dataclass(frozen=True)
class Assignment:
    """A named resource taking `days` per month, or a `share` (0–1) of each month's generic demand."""

    resource: Resource
    days: Decimal | None = None
    share: Decimal | None = None


@transaction.atomic
@changes_capacity
def allocation_staff(
    *,
    actor,
    project: Project,
    family: str,
    profile: Profile | None = None,
    start_month: date,
    end_month: date,
    assignments: Sequence[Assignment],
    expected_plan_etag: str | None = None,
) -> list[Allocation]:
    """Replace generic demand of `family` (and `profile`) by named people, month by month, keeping the
    totals: each person's days move from the generic row (internal or outsourced, as the person is) to
    their own row. Refused, month named, when the people would take more than the generic demand; what
    is left stays generic. The generic row's `template_days` shrinks with it (staffing is no deviation).
    """
    _check_change(actor, project)
    project = _lock_project(project)
    _check_plan_etag(project, expected_plan_etag)
    errors: dict[str, list[str]] = defaultdict(list)
    if family not in RoleFamily.values:
        errors["family"].append(_("Choose MOA, MOE or AMOA."))
    if not assignments:
        errors["assignments"].append(_("Name at least one person."))
    if start_month is None or end_month is None or month_start(end_month) < month_start(start_month):
        errors["end_month"].append(_("The last month is before the first."))
    for assignment in assignments:
        resource = assignment.resource
        if assignment.days is None and assignment.share is None:
            errors["assignments"].append(
                _("Give days per month or a share for %(name)s.") % {"name": resource}
            )
        if assignment.share is not None and not 0 < assignment.share <= 1:
            errors["assignments"].append(_("A share is above 0 and at most 100 %."))
        if assignment.days is not None:
            try:
                _days(assignment.days)
            except ValueError as error:
                errors["assignments"].append(f"{resource}: {error}")
        if family in RoleFamily.values and family not in _resource_families(resource):
            errors["assignments"].append(
                _("“%(name)s” has no role of the family %(family)s.")
                % {"name": resource, "family": RoleFamily(family).label}
            )
        if resource.is_generic:
            errors["assignments"].append(
                _("“%(name)s” is a generic resource, not a person.") % {"name": resource}
            )
    if len({a.resource.pk for a in assignments}) != len(assignments):
        errors["assignments"].append(_("A person is named twice."))
    if errors:
        raise DomainValidationError(field_errors=dict(errors))
    months = months_between(start_month, end_month)
    rows = _allocations_of(project, family=family, grain=PeriodGrain.MONTH, period_start__in=months)
    generic = {
        (a.period_start, a.is_external): a
        for a in rows
        if a.resource_id is None and a.profile_id == (profile.pk if profile else None)
    }
    own = {
        (a.resource_id, a.period_start): a
        for a in rows
        if a.resource_id is not None and a.profile_id == (profile.pk if profile else None)
    }
    batch = _Batch(project)
    refused: list[str] = []
    moves: list[tuple[Allocation, Resource, Decimal]] = []
    for month in months:
        for is_external in (False, True):
            people = [a for a in assignments if a.resource.is_external == is_external]
            if not people:
                continue
            demand_row = generic.get((month, is_external))
            demand = demand_row.days if demand_row else ZERO
            wanted = [
                (a.resource, quantize(a.days if a.days is not None else demand * a.share))  # type: ignore[operator]
                for a in people
            ]
            asked = sum((days for _r, days in wanted), ZERO)
            if asked > demand:
                refused.append(
                    _("%(month)s: %(asked)s days asked, %(demand)s of %(kind)s generic demand")
                    % {
                        "month": month.strftime("%m/%Y"),
                        "asked": asked,
                        "demand": demand,
                        "kind": _("outsourced") if is_external else _("internal"),
                    }
                )
                continue
            if asked > 0 and demand_row is not None:
                moves.extend((demand_row, resource, days) for resource, days in wanted if days > 0)
    if refused:
        raise DomainValidationError(
            _("The people named take more than the generic demand; nothing was changed. ")
            + "; ".join(refused),
            field_errors={"assignments": refused},
        )
    if not moves:
        raise DomainValidationError(
            field_errors={
                "assignments": [
                    _("There is no generic demand of this family for these people in these months.")
                ]
            }
        )
    taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
    result = []
    for demand_row, resource, days in moves:
        taken[demand_row.pk] += days
        current = own.get((resource.pk, demand_row.period_start))
        if current is not None:
            result.append(batch.update(current, days=current.days + days))
        else:
            created = batch.create(
                Allocation(
                    project=project,
                    family=family,
                    profile=profile,
                    resource=resource,
                    grain=PeriodGrain.MONTH,
                    period_start=demand_row.period_start,
                    days=days,
                    is_external=resource.is_external,
                    source=AllocationSource.MANUAL,
                )
            )
            own[(resource.pk, demand_row.period_start)] = created
            result.append(created)
    emptied = []
    for demand_row in {row.pk: row for row, _r, _d in moves}.values():
        left = demand_row.days - taken[demand_row.pk]
        if left == 0:
            emptied.append(demand_row)
        else:
            template_days = (
                max(demand_row.template_days - taken[demand_row.pk], ZERO)
                if demand_row.template_days is not None
                else None
            )
            batch.update(demand_row, days=left, template_days=template_days)
    batch.delete(emptied)
    batch.commit(actor)
    return result


# ---------------------------------------------------------------------------- proposal from the schedule


@transaction.atomic
@changes_capacity
def plan_reconcile(
    *,
    actor,
    project: Project,
    accept: str | Iterable[str] = "all",
    expected_plan_etag: str | None = None,
) -> list[Allocation]:
    """Write the schedule's proposal (workload_selectors.plan_propose_from_tasks) for the accepted
    families ("all" or a list): each proposed person × month becomes (or updates) that person's row with
    source=tasks; rows from an earlier proposal that the schedule no longer supports are removed. Generic
    demand and rows typed by hand for other people are left as they are."""
    from resources.workload_selectors import plan_propose_from_tasks  # selectors read; no cycle at import

    _check_change(actor, project)
    project = _lock_project(project)
    _check_plan_etag(project, expected_plan_etag)
    families = set(RoleFamily.values) if accept == "all" else set(accept)
    unknown = families - set(RoleFamily.values)
    if unknown or not families:
        raise DomainValidationError(field_errors={"accept": [_("Choose the families to accept.")]})
    proposal = plan_propose_from_tasks(project)
    resources = {
        r.pk: r
        for r in Resource.objects.select_related("primary_profile").filter(
            pk__in={p["resource_id"] for p in proposal["rows"]}
        )
    }
    wanted = {
        (row["family"], row["resource_id"], row["period_start"]): row["days"]
        for row in proposal["rows"]
        if row["family"] in families
    }
    existing = {
        (a.family, a.resource_id, a.period_start): a
        for a in _allocations_of(
            project, grain=PeriodGrain.MONTH, resource__isnull=False, profile__isnull=True
        )
        if a.family in families
    }
    batch = _Batch(project)
    batch.delete(
        [a for key, a in existing.items() if key not in wanted and a.source == AllocationSource.TASKS]
    )
    result = []
    for (family, resource_id, month), days in wanted.items():
        current = existing.get((family, resource_id, month))
        if current is None:
            resource = resources[resource_id]
            result.append(
                batch.create(
                    Allocation(
                        project=project,
                        family=family,
                        resource=resource,
                        grain=PeriodGrain.MONTH,
                        period_start=month,
                        days=days,
                        is_external=resource.is_external,
                        source=AllocationSource.TASKS,
                    )
                )
            )
        elif current.days != days or current.source != AllocationSource.TASKS:
            result.append(batch.update(current, days=days, source=AllocationSource.TASKS))
    batch.commit(actor)
    return result
