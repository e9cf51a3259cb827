"""Precomputed budget totals (BudgetTotal, its sum over the years BudgetAllYearsTotal, FundingTotal): how
they are kept exact.

The portfolio-wide screens (portfolio budget page and API summary, envelopes, the funding dashboard, CP
consumption, the steering dashboard) read these few thousand rows instead of summing every line year
and execution entry. They stay exactly equal to the live sums (Decimal, to the cent) because:

* one function writes them, `budget_totals_refresh(project_ids)`: it RECOMPUTES every total of these
  projects from their line years (planned, forecast, committed, paid), their execution entries (the
  payments of each month) and their funding shares, and writes the difference (updates, inserts,
  deletes). No incremental arithmetic: whatever a write did, the totals of its project are right after.
  The grain is (project, envelope, section, year) and the unit of work is the project: a project has a
  few dozen keys, recomputed in three indexed queries, and a line's move to another envelope or section
  stays within its project.
* every budgets service that changes a line year, a line's envelope or section, a funding share or the
  execution calls it in its own transaction (budget lines, planned amounts, reforecasts, transfers,
  funding shares, and `line_year_totals_refresh`, the funnel of all execution: entries by hand, the
  finance import, orders signed, invoiced or cancelled). Bulk writers call it too: the demo, the
  benchmark's seed, the test factories; `manage.py budget_totals` rebuilds (or checks) everything.
* concurrency: `budget_totals_lock(project_ids)` locks the projects' rows (PostgreSQL: FOR NO KEY
  UPDATE, which does not block other tables' foreign keys; in pk order). The services take it FIRST,
  before any line, line year or envelope section lock, and the refresh takes it again (a no-op by then),
  so two writes to lines of one project run one after the other and the second one's recomputation
  (a new statement: READ COMMITTED gives it a new snapshot) sees the first one's committed rows. On
  SQLite every transaction is IMMEDIATE (ppm.settings): writers are serialized already.
* deleting a project deletes its totals (foreign keys, CASCADE); lines are never deleted on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from budgets.models import (
    PAID_MONTHS,
    ZERO,
    BudgetAllYearsTotal,
    BudgetLine,
    BudgetLineYear,
    BudgetTotal,
    ExecutionEntry,
    ExecutionKind,
    FundingTotal,
)
from portfolio.models import Project
from ppm.bulk import bulk_update
from ppm.versioning import lock_many

FIGURES = ("planned", "forecast", "committed", "paid")
# (project, envelope, section, year), and for FundingTotal (funding, share, project, envelope, section, year)
Key = tuple
CENT = Decimal("0.01")


def _d(value) -> Decimal:
    """A sum as an exact Decimal to the cent (SQLite's SUM comes back unquantized)."""
    return (value or ZERO).quantize(CENT)


@dataclass
class Computed:
    """What the totals of some projects must be, computed from the live rows."""

    budget: dict[Key, dict[str, Decimal]] = field(default_factory=dict)
    funding: dict[Key, dict[str, Decimal]] = field(default_factory=dict)
    # Σ of `budget` over the years, per (project, envelope, section)
    all_years: dict[Key, dict[str, Decimal]] = field(default_factory=dict)


def _blank(names: Iterable[str]) -> dict[str, Decimal]:
    return dict.fromkeys(names, ZERO)


def budget_totals_compute(project_ids: Iterable[int] | None = None) -> Computed:
    """The totals of these projects (all projects when None) as the live rows give them, in three
    queries: Σ of the line years by key, the payments by key and month, Σ of the financed line years by
    funding, share and key. Only keys with a line year or an execution entry are present."""
    line_years = BudgetLineYear.objects.all()
    entries = ExecutionEntry.objects.filter(kind=ExecutionKind.PAID)
    if project_ids is not None:
        ids = sorted(set(project_ids))
        line_years = line_years.filter(line__project_id__in=ids)
        entries = entries.filter(line__project_id__in=ids)
    sums = {f"s_{name}": Sum(name) for name in FIGURES}
    computed = Computed()
    key_paths = ("line__project_id", "line__envelope_id", "line__section", "year")
    for row in line_years.values(*key_paths).annotate(**sums).order_by():
        values = _blank((*FIGURES, *PAID_MONTHS))
        values.update({name: _d(row[f"s_{name}"]) for name in FIGURES})
        computed.budget[tuple(row[path] for path in key_paths)] = values
    paid = (
        entries.annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .values("line__project_id", "line__envelope_id", "line__section", "year", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in paid:
        key = tuple(row[path] for path in key_paths)
        values = computed.budget.setdefault(key, _blank((*FIGURES, *PAID_MONTHS)))
        values[PAID_MONTHS[row["month"] - 1]] = _d(row["total"])
    funding_paths = ("line__funding_shares__funding_id", "line__funding_shares__share", *key_paths)
    financed = line_years.filter(line__funding_shares__isnull=False).values(*funding_paths).annotate(**sums)
    for row in financed.order_by():
        computed.funding[tuple(row[path] for path in funding_paths)] = {
            name: _d(row[f"s_{name}"]) for name in FIGURES
        }
    for (project_id, envelope_id, section, _year), values in computed.budget.items():
        all_years = computed.all_years.setdefault((project_id, envelope_id, section), _blank(FIGURES))
        for name in FIGURES:
            all_years[name] += values[name]
    return computed


def budget_totals_lock(project_ids: Iterable[int]) -> None:
    """Lock these projects' rows until the end of the transaction (in pk order), for their totals: see the
    module. FOR NO KEY UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialize writers anyway."""
    ids = {pk for pk in project_ids if pk is not None}
    if ids:
        lock_many(Project, ids, no_key=True)


def budget_totals_lock_lines(line_ids: Iterable[int]) -> None:
    """`budget_totals_lock` of the projects of these budget lines (a line never changes project)."""
    ids = sorted(set(line_ids))
    if ids:
        budget_totals_lock(BudgetLine.objects.filter(pk__in=ids).values_list("project_id", flat=True))


def _budget_key(row: BudgetTotal) -> Key:
    return (row.project_id, row.envelope_id, row.section, row.year)


def _all_years_key(row: BudgetAllYearsTotal) -> Key:
    return (row.project_id, row.envelope_id, row.section)


def _funding_key(row: FundingTotal) -> Key:
    return (row.funding_id, row.share, row.project_id, row.envelope_id, row.section, row.year)


def _write(model, existing: QuerySet, wanted: dict[Key, dict[str, Decimal]], key_of, key_fields) -> int:
    """Make the rows of `existing` equal to `wanted`: update the rows that differ, insert the missing
    ones, delete the others. Returns the number of rows written."""
    names = list(next(iter(wanted.values()), {}))
    stale: list[int] = []
    changed = []
    seen = set()
    for row in existing:
        key = key_of(row)
        values = wanted.get(key)
        if values is None or key in seen:
            stale.append(row.pk)
            continue
        seen.add(key)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    created = [
        model(**dict(zip(key_fields, key, strict=True)), **values)
        for key, values in wanted.items()
        if key not in seen
    ]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    bulk_update(model, changed, names)
    model.objects.bulk_create(created, batch_size=2000)
    return len(stale) + len(changed) + len(created)


def _store(computed: Computed, project_ids: list[int] | None) -> int:
    budget_rows = BudgetTotal.objects.all()
    all_years_rows = BudgetAllYearsTotal.objects.all()
    funding_rows = FundingTotal.objects.all()
    if project_ids is not None:
        budget_rows = budget_rows.filter(project_id__in=project_ids)
        all_years_rows = all_years_rows.filter(project_id__in=project_ids)
        funding_rows = funding_rows.filter(project_id__in=project_ids)
    written = _write(
        BudgetTotal,
        budget_rows,
        computed.budget,
        _budget_key,
        ("project_id", "envelope_id", "section", "year"),
    )
    written += _write(
        BudgetAllYearsTotal,
        all_years_rows,
        computed.all_years,
        _all_years_key,
        ("project_id", "envelope_id", "section"),
    )
    return written + _write(
        FundingTotal,
        funding_rows,
        computed.funding,
        _funding_key,
        ("funding_id", "share", "project_id", "envelope_id", "section", "year"),
    )


def budget_totals_refresh(project_ids: Iterable[int]) -> int:
    """Recompute every total of these projects from their line years, execution and funding shares, inside
    the caller's transaction and under their lock (see the module). THE writer of BudgetTotal and
    FundingTotal. Returns the number of rows written (0 when they were right already)."""
    ids = sorted({pk for pk in project_ids if pk is not None})
    if not ids:
        return 0
    with transaction.atomic():
        budget_totals_lock(ids)
        return _store(budget_totals_compute(ids), ids)


@transaction.atomic
def budget_totals_rebuild() -> int:
    """Recompute every total of every project (`manage.py budget_totals`, the benchmark's seed): the
    projects with a total or a budget line are locked, then the totals rewritten where they differ."""
    ids = set(BudgetLine.objects.values_list("project_id", flat=True).distinct().order_by())
    ids |= set(BudgetTotal.objects.values_list("project_id", flat=True).distinct().order_by())
    ids |= set(FundingTotal.objects.values_list("project_id", flat=True).distinct().order_by())
    ids |= set(BudgetAllYearsTotal.objects.values_list("project_id", flat=True).distinct().order_by())
    budget_totals_lock(ids)
    return _store(budget_totals_compute(), None)


def _differences(label: str, rows: Iterable[Any], wanted: dict[Key, dict[str, Decimal]], key_of) -> list[str]:
    differences = []
    stored: dict[Key, Any] = {}
    for row in rows:
        key = key_of(row)
        if key in stored:
            differences.append(f"{label} {key}: stored twice")
        stored[key] = row
    for key in sorted(set(stored) | set(wanted), key=str):
        values, row = wanted.get(key), stored.get(key)
        if row is None:
            differences.append(f"{label} {key}: missing")
        elif values is None:
            differences.append(f"{label} {key}: stored but no line year, entry or share has it")
        else:
            wrong = [
                f"{name} {getattr(row, name)} ≠ {value}"
                for name, value in values.items()
                if getattr(row, name) != value
            ]
            if wrong:
                differences.append(f"{label} {key}: {', '.join(wrong)}")
    return differences


def budget_totals_differences(project_ids: Iterable[int] | None = None) -> list[str]:
    """Where the stored totals differ from the live sums (empty when they are exact): one sentence per
    key, for `manage.py budget_totals --check` and the tests."""
    ids = None if project_ids is None else sorted(set(project_ids))
    computed = budget_totals_compute(ids)
    budget_rows = BudgetTotal.objects.all()
    all_years_rows = BudgetAllYearsTotal.objects.all()
    funding_rows = FundingTotal.objects.all()
    if ids is not None:
        budget_rows = budget_rows.filter(project_id__in=ids)
        all_years_rows = all_years_rows.filter(project_id__in=ids)
        funding_rows = funding_rows.filter(project_id__in=ids)
    return (
        _differences("budget", budget_rows, computed.budget, _budget_key)
        + _differences("all years", all_years_rows, computed.all_years, _all_years_key)
        + _differences("funding", funding_rows, computed.funding, _funding_key)
    )
