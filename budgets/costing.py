"""Cost of the workload and the portfolio roll-up.

Planned cost = allocated person-days × a daily rate; actual cost = approved time (time entries of
timesheet lines whose approval is "approved") × the same rate. Months: an allocation counts in the month
it is stored for; a week-grain allocation counts whole in the month of its Monday (simple and stable: a
week across two months is not split).

The daily rate of a day of work:
* a named **internal** person: their `daily_cost` (loaded cost);
* an **external** consultant with a contract rate (ResourceRate): the agreement price of that profile in
  force on the first day of the month (revisions apply from their date); without one, their `daily_cost`;
* a generic resource: its `daily_cost` when set, else the default rate of its family;
* demand not staffed (no resource): the default rate of the allocation's family, from
  settings.PILOTIS_DEFAULT_DAILY_RATES (default MOE 550 €, MOA 450 €, AMOA 650 €).

Internal cost is a valorisation (salaries are not paid from the project's budget lines); external cost
is cash, but that cash is spent through orders (committed when signed, paid when invoiced): the external
workload cost is what the staffed external days are worth at contract rates — a check against the
orders, never added to the cash spending (that would count the same days twice).

Roll-up: **top-down** = an envelope's authority (AP + AE) and what it allots to each project (the voted
amounts of the project's lines on it); **bottom-up** = what the projects say they need (the forecasts of
their lines) → objective → envelope, with the internal workload valorised beside it. The gap per envelope
= authority − bottom-up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth

from budgets.models import (
    ZERO,
    AgreementPrice,
    BudgetLine,
    BudgetLineYear,
    EnvelopeSection,
    ExecutionEntry,
    ExecutionKind,
    ResourceRate,
)

CENT = Decimal("0.01")
DEFAULT_DAILY_RATES = {"moe": Decimal("550"), "moa": Decimal("450"), "amoa": Decimal("650")}


def default_rates() -> dict[str, Decimal]:
    configured = getattr(settings, "PILOTIS_DEFAULT_DAILY_RATES", None) or {}
    rates = dict(DEFAULT_DAILY_RATES)
    for family, value in configured.items():
        rates[str(family).lower()] = Decimal(str(value))
    return rates


def _month(value) -> date:
    day = value.date() if hasattr(value, "date") and callable(value.date) else value
    return day.replace(day=1)


@dataclass
class CostCell:
    planned_internal: Decimal = ZERO
    planned_external: Decimal = ZERO
    actual_internal: Decimal = ZERO
    actual_external: Decimal = ZERO
    planned_days: Decimal = ZERO
    actual_days: Decimal = ZERO

    @property
    def planned(self) -> Decimal:
        return self.planned_internal + self.planned_external

    @property
    def actual(self) -> Decimal:
        return self.actual_internal + self.actual_external

    def add(self, other: CostCell) -> None:
        self.planned_internal += other.planned_internal
        self.planned_external += other.planned_external
        self.actual_internal += other.actual_internal
        self.actual_external += other.actual_external
        self.planned_days += other.planned_days
        self.actual_days += other.actual_days


class RateBook:
    """Daily rates of resources by month (loaded once for a set of resources)."""

    def __init__(self, resource_ids: Iterable[int]):
        from resources.models import Resource

        ids = sorted({pk for pk in resource_ids if pk is not None})
        self.resources = {
            row["pk"]: row
            for row in Resource.objects.filter(pk__in=ids).values(
                "pk", "daily_cost", "is_external", "kind", "primary_profile__family"
            )
        }
        rates = list(
            ResourceRate.objects.filter(resource_id__in=ids).values(
                "resource_id", "price__agreement_id", "price__code", "price__lot_id"
            )
        )
        self.contract: dict[int, tuple[int, str, int | None]] = {
            row["resource_id"]: (row["price__agreement_id"], row["price__code"], row["price__lot_id"])
            for row in rates
        }
        self.prices: dict[tuple[int, str, int | None], list[tuple[date, Decimal]]] = defaultdict(list)
        keys = set(self.contract.values())
        if keys:
            for price in AgreementPrice.objects.filter(
                agreement_id__in={key[0] for key in keys}, code__in={key[1] for key in keys}
            ).order_by("valid_from", "pk"):
                self.prices[(price.agreement_id, price.code, price.lot_id)].append(
                    (price.valid_from, price.unit_price)
                )
        self.defaults = default_rates()
        self._rates: dict[tuple[int | None, str, date], Decimal] = {}

    def is_external(self, resource_id: int | None, fallback: bool) -> bool:
        row = self.resources.get(resource_id) if resource_id else None
        return bool(row["is_external"]) if row else fallback

    def rate(self, resource_id: int | None, family: str, month: date) -> Decimal:
        """The daily rate, worked out once per (resource, family, month): a portfolio has ~100,000
        (project, resource, month) rows but far fewer rates."""
        key = (resource_id, family, month)
        rate = self._rates.get(key)
        if rate is None:
            rate = self._rates[key] = self._rate(resource_id, family, month)
        return rate

    def _rate(self, resource_id: int | None, family: str, month: date) -> Decimal:
        default = self.defaults.get(family, ZERO)
        row = self.resources.get(resource_id) if resource_id else None
        if row is None:
            return default
        contract = self.contract.get(resource_id)  # type: ignore[arg-type]
        if contract is not None:
            in_force = [price for valid_from, price in self.prices.get(contract, ()) if valid_from <= month]
            if in_force:
                return in_force[-1]
        cost = row["daily_cost"] or ZERO
        if cost > 0:
            return cost
        if row["kind"] == "generic":
            return self.defaults.get(row["primary_profile__family"] or family, default)
        return cost


def _money(days: Decimal, rate: Decimal) -> Decimal:
    return (days * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def workload_cost(
    project_ids: Sequence[int] | None = None, *, start: date | None = None, end: date | None = None
) -> dict[int, dict[date, CostCell]]:
    """Planned and actual workload cost per project and month (see the module for the rates)."""
    from resources.models import Allocation, LineApproval, TimeEntry

    allocations = Allocation.objects.all()
    entries = TimeEntry.objects.filter(line__approval=LineApproval.APPROVED, line__project__isnull=False)
    if project_ids is not None:
        allocations = allocations.filter(project_id__in=list(project_ids))
        entries = entries.filter(line__project_id__in=list(project_ids))
    if start is not None:
        allocations = allocations.filter(period_start__gte=start)
        entries = entries.filter(day__gte=start)
    if end is not None:
        allocations = allocations.filter(period_start__lte=end)
        entries = entries.filter(day__lte=end)
    planned = list(
        allocations.annotate(month=TruncMonth("period_start"))
        .values_list("project_id", "resource_id", "family", "is_external", "month")
        .annotate(days=Sum("days"))
        .order_by()
    )
    actual = list(
        entries.annotate(month=TruncMonth("day"))
        .values_list(
            "line__project_id",
            "line__timesheet__resource_id",
            "line__timesheet__resource__primary_profile__family",
            "month",
        )
        .annotate(days=Sum("days"))
        .order_by()
    )
    book = RateBook([row[1] for row in planned] + [row[1] for row in actual])
    result: dict[int, dict[date, CostCell]] = defaultdict(lambda: defaultdict(CostCell))
    for project_id, resource_id, family, is_external, month_value, days in planned:
        month = _month(month_value)
        days = days or ZERO
        cost = _money(days, book.rate(resource_id, family, month))
        cell = result[project_id][month]
        cell.planned_days += days
        if book.is_external(resource_id, is_external):
            cell.planned_external += cost
        else:
            cell.planned_internal += cost
    for project_id, resource_id, family, month_value, days in actual:
        month = _month(month_value)
        days = Decimal(days or 0).quantize(Decimal("0.001"))
        family = family or ""
        cost = _money(days, book.rate(resource_id, family, month))
        cell = result[project_id][month]
        cell.actual_days += days
        if book.is_external(resource_id, False):
            cell.actual_external += cost
        else:
            cell.actual_internal += cost
    return {project: dict(months) for project, months in result.items()}


def project_totals(costs: dict[int, dict[date, CostCell]]) -> dict[int, CostCell]:
    totals: dict[int, CostCell] = {}
    for project_id, months in costs.items():
        total = totals.setdefault(project_id, CostCell())
        for cell in months.values():
            total.add(cell)
    return totals


def cash_by_month(project_id: int) -> dict[date, dict[str, Decimal]]:
    """The project's cash execution by month (committed and paid on all its lines)."""
    rows = (
        ExecutionEntry.objects.filter(line__project_id=project_id)
        .annotate(month=TruncMonth("date"))
        .values("month", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    months: dict[date, dict[str, Decimal]] = defaultdict(lambda: {"committed": ZERO, "paid": ZERO})
    for row in rows:
        key = "committed" if row["kind"] == ExecutionKind.COMMITTED else "paid"
        months[_month(row["month"])][key] += row["total"] or ZERO
    return dict(months)


def project_workload_rows(project_id: int) -> list[dict]:
    """Month by month: workload cost planned/actual, internal/external, beside the cash spending."""
    costs = workload_cost([project_id]).get(project_id, {})
    cash = cash_by_month(project_id)
    rows = []
    for month in sorted(set(costs) | set(cash)):
        cell = costs.get(month, CostCell())
        spent = cash.get(month, {"committed": ZERO, "paid": ZERO})
        rows.append({"month": month, "cost": cell, "committed": spent["committed"], "paid": spent["paid"]})
    return rows


# -------------------------------------------------------------------------------------------- roll-up


@dataclass
class RollupRow:
    key: object
    label: str
    planned: Decimal = ZERO  # top-down: voted amounts of the lines
    forecast: Decimal = ZERO  # bottom-up: the managers' forecasts
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    authority: Decimal | None = None
    workload: CostCell = field(default_factory=CostCell)

    @property
    def gap(self) -> Decimal | None:
        """Authority (top-down) minus the bottom-up need; None where there is no authority."""
        return None if self.authority is None else self.authority - self.forecast

    @property
    def allotted_gap(self) -> Decimal:
        """Bottom-up need minus what was allotted (voted): positive when the projects need more."""
        return self.forecast - self.planned

    def add_amounts(self, other: RollupRow) -> None:
        self.planned += other.planned
        self.forecast += other.forecast
        self.committed += other.committed
        self.paid += other.paid
        self.workload.add(other.workload)


def costed_projects():
    """Projects with a budget line or an allocation, by code. Two EXISTS: joining both tables and
    de-duplicating made PostgreSQL build lines × allocations rows per project (2.3 million, 2 s)."""
    from portfolio.models import Project
    from resources.models import Allocation

    return (
        Project.objects.select_related("directorate")
        .filter(
            Exists(BudgetLine.objects.filter(project=OuterRef("pk")))
            | Exists(Allocation.objects.filter(project=OuterRef("pk")))
        )
        .order_by("code")
    )


LINE_AMOUNTS = ("planned", "forecast", "committed", "paid")


def line_amounts(project_ids: Sequence[int] | None = None):
    """Σ of the lines' planned, forecast, committed and paid amounts per (project, envelope), with the
    envelope's code and name (all projects when `project_ids` is None). One query."""
    years = BudgetLineYear.objects.all()
    if project_ids is not None:
        years = years.filter(line__project_id__in=project_ids)
    return (
        years.values("line__project_id", "line__envelope_id", "line__envelope__code", "line__envelope__name")
        .annotate(**{name: Sum(name) for name in LINE_AMOUNTS})
        .order_by()
    )


def envelope_label(amounts: dict) -> str:
    """ "CODE · name" of a `line_amounts` row's envelope ("" for lines on no envelope)."""
    if not amounts["line__envelope_id"]:
        return ""
    return f"{amounts['line__envelope__code']} · {amounts['line__envelope__name']}"


def envelope_authority(envelope_ids) -> dict[int, Decimal]:
    """Each envelope's authority (AP + AE of its sections). One query."""
    return {
        row["envelope_id"]: row["total"] or ZERO
        for row in EnvelopeSection.objects.filter(envelope_id__in=[pk for pk in envelope_ids if pk])
        .values("envelope_id")
        .annotate(total=Sum("authority"))
        .order_by()
    }


def portfolio_rollup(projects: Sequence) -> dict[str, list[RollupRow]]:
    """Rows by project, objective, directorate and envelope for these projects (a project under several
    objectives counts in each of them). A constant number of queries."""
    from portfolio.models import Project

    project_ids = [project.pk for project in projects]
    by_project = {
        project.pk: RollupRow(key=project, label=f"{project.code} · {project.name}") for project in projects
    }
    by_envelope: dict[int | None, RollupRow] = {}
    for row in line_amounts(project_ids):
        part = RollupRow(
            key=None,
            label="",
            planned=row["planned"] or ZERO,
            forecast=row["forecast"] or ZERO,
            committed=row["committed"] or ZERO,
            paid=row["paid"] or ZERO,
        )
        by_project[row["line__project_id"]].add_amounts(part)
        envelope_id = row["line__envelope_id"]
        if envelope_id not in by_envelope:
            by_envelope[envelope_id] = RollupRow(key=envelope_id, label=envelope_label(row))
        by_envelope[envelope_id].add_amounts(part)
    for envelope_id, authority in envelope_authority(by_envelope).items():
        by_envelope[envelope_id].authority = authority
    for project_id, cell in project_totals(workload_cost(project_ids)).items():
        if project_id in by_project:
            by_project[project_id].workload = cell
    by_objective: dict[int, RollupRow] = {}
    links = Project.objectives.through.objects.filter(project_id__in=project_ids).values(
        "project_id", "objective_id", "objective__code", "objective__name"
    )
    for link in links:
        group = by_objective.setdefault(
            link["objective_id"],
            RollupRow(
                key=link["objective_id"], label=f"{link['objective__code']} · {link['objective__name']}"
            ),
        )
        group.add_amounts(by_project[link["project_id"]])
    by_directorate: dict[int, RollupRow] = {}
    for project in projects:
        group = by_directorate.setdefault(
            project.directorate_id, RollupRow(key=project.directorate_id, label=str(project.directorate))
        )
        group.add_amounts(by_project[project.pk])
    return {
        "projects": list(by_project.values()),
        "objectives": sorted(by_objective.values(), key=lambda row: row.label),
        "directorates": sorted(by_directorate.values(), key=lambda row: row.label),
        "envelopes": sorted(by_envelope.values(), key=lambda row: (row.key is None, row.label)),
    }
