"""Reads of budgets (the LINES part): a project's budget, S-curves, envelopes, the portfolio's budget,
CP consumption, fundings. Every figure is aggregated in SQL (GROUP BY) and every function issues a
constant number of queries whatever the number of projects, lines and execution entries.

The portfolio-wide figures (portfolio budget, envelopes, fundings, CP consumption, a project's panel)
are read from the precomputed totals (BudgetTotal and FundingTotal per project, envelope, section and
year, kept exact by budgets.totals), a few thousand rows instead of every line year and entry. What is
still summed live: a project's own lines (project_budget, s_curve, funding_lines: by index), and the
execution up to a date (`as_of`, the budget report).

Definitions (what the pages and the API show)
---------------------------------------------
* planned: the voted amounts (BudgetLineYear.planned); forecast: the project manager's latest forecast;
  committed / paid: the execution (dated ExecutionEntry rows; BudgetLineYear keeps their totals per year).
  With `as_of`, committed and paid count only the entries dated up to that day (the report's date).
* remaining = planned − committed (what may still be committed); gap = forecast − planned.
* S-curve: by month, cumulative. Planned and forecast are spread EVENLY over the twelve months of each
  fiscal year (a year's amount / 12, to the cent; December takes the remainder so the year sums exactly);
  committed and paid are the dated execution entries of each month.
* Portfolio by objective: a project with several objectives counts in EACH of them (its whole amounts),
  so the objectives' rows may add up to more than the portfolio total; the row says how many of its
  projects are shared with another objective. Projects without an objective have their own row.
* Funding: allocated = Σ over the lines it finances of share × line planned; committed / paid likewise
  (share × line committed / paid); still to justify = the funding's amount − what its share of the
  payments already justifies, due by its `justify_by` date.
* CP consumption of a year: payments of each month on lines of an envelope against the CP voted for
  that year (all sections, or those of one envelope), cumulative.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from budgets.models import (
    PAID_MONTHS,
    ZERO,
    BudgetAllYearsTotal,
    BudgetLine,
    BudgetLineYear,
    BudgetTotal,
    Envelope,
    EnvelopeOverride,
    EnvelopePaymentCredit,
    EnvelopeSection,
    ExecutionEntry,
    ExecutionKind,
    ForecastRevision,
    FundingShare,
    FundingSource,
    FundingTotal,
    Section,
    Transfer,
)
from budgets.money import to_cents
from budgets.permissions import RULES
from portfolio.models import Objective, Project
from ppm.models import Directorate

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
TWELVE = Decimal("12")
FIGURES = ("planned", "forecast", "committed", "paid")


# Σ of each figure, as the line years' aggregates are read (s_planned, s_forecast, s_committed, s_paid).
_FIGURE_SUMS = {f"s_{name}": Sum(name) for name in FIGURES}


def _d(value) -> Decimal:
    """An aggregated amount as an exact Decimal to the cent (SQLite's SUM comes back unquantized)."""
    return (value or ZERO).quantize(Decimal("0.01"))


def may_view(user) -> bool:
    return RULES.allows(user, "budget.view")


@dataclass
class Figures:
    """Planned, forecast, committed and paid amounts (Decimal), with what derives from them."""

    planned: Decimal = ZERO
    forecast: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.committed

    @property
    def gap(self) -> Decimal:
        return self.forecast - self.planned

    @property
    def paid_percent(self) -> Decimal:
        return (self.paid * HUNDRED / self.planned).quantize(Decimal("1")) if self.planned else ZERO

    def add(self, other: Figures) -> None:
        self.planned += other.planned
        self.forecast += other.forecast
        self.committed += other.committed
        self.paid += other.paid

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "planned": self.planned,
            "forecast": self.forecast,
            "committed": self.committed,
            "paid": self.paid,
            "remaining": self.remaining,
            "gap": self.gap,
        }


# ------------------------------------------------------------------ filters


@dataclass(frozen=True)
class BudgetFilters:
    """The portfolio budget page's filters (also the API summary's and the report's)."""

    year: int | None = None
    envelope: int | None = None
    objective: int | None = None
    directorate: int | None = None
    status: str | None = None
    as_of: datetime.date | None = None

    def line_q(self, prefix: str = "line__") -> Q:
        q = Q()
        if self.envelope:
            q &= Q(**{f"{prefix}envelope_id": self.envelope})
        if self.objective:
            # The projects of that objective, as a subquery rather than a join: a grouping by the projects'
            # objectives (portfolio_budget) must still see every objective of these projects.
            q &= Q(**{f"{prefix}project_id__in": _objective_projects(self.objective)})
        if self.directorate:
            q &= Q(**{f"{prefix}project__directorate_id": self.directorate})
        if self.status:
            q &= Q(**{f"{prefix}project__status": self.status})
        return q


def _objective_projects(objective_id: int) -> QuerySet[Any]:
    """The ids of the projects of this objective (a subquery)."""
    return Project.objectives.through.objects.filter(objective_id=objective_id).values("project_id")


# A grouping key's path on the execution entries (the `as_of` path) where it is not "line__" + the key's
# path on the totals.
_ENTRY_PATHS = {
    "year": "year",  # annotated from the date
    "funding_id": "line__funding_shares__funding_id",
    "share": "line__funding_shares__share",
}


def _entry_path(key: str) -> str:
    return _ENTRY_PATHS.get(key) or f"line__{key}"


def _grouped_counted(
    keys: Iterable[str],
    filters: BudgetFilters,
    *,
    counts: Mapping[str, Aggregate] | None = None,
    where: Mapping[str, Any] | None = None,
    envelope_ids: list[int] | None = None,
    funding_ids: list[int] | None = None,
) -> tuple[dict[tuple, Figures], dict[tuple, dict[str, int]]]:
    """Σ planned / forecast / committed / paid grouped by `keys` (paths from BudgetTotal: "project_id",
    "envelope_id", "section", "year", or through its project such as "project__directorate_id"; from
    FundingTotal, which adds "funding_id" and "share", when `funding_ids` are given), from the precomputed
    totals in one query; with `as_of`, committed and paid are summed from the execution entries dated up
    to that day instead (a second query, live). `where` keeps the keys of these values (e.g. one
    envelope's section); `counts` are more aggregates of each group's totals (e.g. its distinct
    projects), returned beside the figures."""
    keys = list(keys)
    counts = dict(counts or {})
    model: type[BudgetTotal | FundingTotal] = FundingTotal if funding_ids is not None else BudgetTotal
    totals: QuerySet[Any] = model.objects.filter(filters.line_q(""), **(where or {}))
    if envelope_ids is not None:
        totals = totals.filter(envelope_id__in=envelope_ids)
    if funding_ids is not None:
        totals = totals.filter(funding_id__in=funding_ids)
    if filters.year:
        totals = totals.filter(year=filters.year)
    sums = {f"s_{name}": Sum(name) for name in FIGURES}
    width = len(keys)
    result: dict[tuple, Figures] = defaultdict(Figures)
    counted: dict[tuple, dict[str, int]] = {}
    # Tuples, not dicts: the API summary reads 2,000 groups (1,000 projects on the benchmark).
    rows = totals.values(*keys).annotate(**sums, **counts).values_list(*keys, *sums, *counts).order_by()
    for row in rows:
        key = row[:width]
        planned, forecast, committed, paid = row[width : width + 4]
        result[key] = Figures(
            _d(planned),
            _d(forecast),
            ZERO if filters.as_of is not None else _d(committed),
            ZERO if filters.as_of is not None else _d(paid),
        )
        if counts:
            counted[key] = dict(zip(counts, row[width + 4 :], strict=True))
    if filters.as_of is not None:
        _executed_as_of(
            result, keys, filters, where=where, envelope_ids=envelope_ids, funding_ids=funding_ids
        )
    return result, counted


def _executed_as_of(
    result: dict[tuple, Figures],
    keys: list[str],
    filters: BudgetFilters,
    *,
    where: Mapping[str, Any] | None = None,
    envelope_ids: list[int] | None = None,
    funding_ids: list[int] | None = None,
) -> None:
    """Set committed and paid of `result`'s groups (by `keys`, paths from the totals as in
    `_grouped_counted`) to the sums of the execution entries dated up to `filters.as_of` (one query)."""
    entries = ExecutionEntry.objects.filter(
        filters.line_q(), date__lte=filters.as_of, **{_entry_path(k): v for k, v in (where or {}).items()}
    )
    if envelope_ids is not None:
        entries = entries.filter(line__envelope_id__in=envelope_ids)
    if funding_ids is not None:
        entries = entries.filter(line__funding_shares__funding_id__in=funding_ids)
    if filters.year:
        entries = entries.filter(date__year=filters.year)
    if "year" in keys:
        entries = entries.annotate(year=ExtractYear("date"))
    paths = [_entry_path(k) for k in keys]
    for row in entries.values(*paths, "kind").annotate(total=Sum("amount")).order_by():
        key = tuple(row[path] for path in paths)
        figures = result.get(key)
        if figures is None:
            figures = result[key] = Figures()
        setattr(figures, row["kind"], _d(row["total"]))


def _grouped(
    keys: Iterable[str],
    filters: BudgetFilters,
    *,
    envelope_ids: list[int] | None = None,
    funding_ids: list[int] | None = None,
) -> dict[tuple, Figures]:
    """`_grouped_counted`'s figures."""
    return _grouped_counted(keys, filters, envelope_ids=envelope_ids, funding_ids=funding_ids)[0]


def _total(groups: Mapping[Any, Figures]) -> Figures:
    total = Figures()
    for figures in groups.values():
        total.add(figures)
    return total


# ------------------------------------------------------------------ a project's budget


@dataclass
class LineRow:
    line: BudgetLine
    years: dict[int, BudgetLineYear]
    total: Figures
    shares: list[FundingShare]


@dataclass
class ProjectBudget:
    project: Project
    years: list[int]
    rows: list[LineRow]
    year_totals: dict[int, Figures]
    total: Figures
    current_year: int
    current: Figures = field(default_factory=Figures)


def project_budget(project: Project, *, today: datetime.date | None = None) -> ProjectBudget:
    """The project's lines × years (planned, forecast, committed, paid), totals by year and overall,
    this year's figures. Three queries."""
    today = today or timezone.localdate()
    lines = list(
        BudgetLine.objects.filter(project=project)
        .select_related("envelope")
        .prefetch_related(
            Prefetch("years", queryset=BudgetLineYear.objects.order_by("year")),
            Prefetch("funding_shares", queryset=FundingShare.objects.select_related("funding")),
        )
    )
    years: set[int] = set()
    rows = []
    year_totals: dict[int, Figures] = defaultdict(Figures)
    total = Figures()
    for line in lines:
        by_year = {line_year.year: line_year for line_year in line.years.all()}
        years.update(by_year)
        line_total = Figures()
        for year, line_year in by_year.items():
            figures = Figures(line_year.planned, line_year.forecast, line_year.committed, line_year.paid)
            line_total.add(figures)
            year_totals[year].add(figures)
        total.add(line_total)
        rows.append(
            LineRow(line=line, years=by_year, total=line_total, shares=list(line.funding_shares.all()))
        )
    return ProjectBudget(
        project=project,
        years=sorted(years),
        rows=rows,
        year_totals=dict(year_totals),
        total=total,
        current_year=today.year,
        current=year_totals.get(today.year, Figures()),
    )


def project_budget_panel(project: Project, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The project page's side panel: this year and overall (one query, on the totals)."""
    today = today or timezone.localdate()
    rows = BudgetTotal.objects.filter(project=project).values("year").annotate(**_FIGURE_SUMS).order_by()
    total, current = Figures(), Figures()
    for row in rows:
        figures = Figures(
            _d(row["s_planned"]),
            _d(row["s_forecast"]),
            _d(row["s_committed"]),
            _d(row["s_paid"]),
        )
        total.add(figures)
        if row["year"] == today.year:
            current = figures
    return {"total": total, "current": current, "year": today.year, "has_budget": bool(rows)}


def forecast_history(project: Project, *, limit: int = 50) -> list[ForecastRevision]:
    return list(
        ForecastRevision.objects.filter(line_year__line__project=project)
        .select_related("line_year__line", "actor")
        .order_by("-at", "-pk")[:limit]
    )


# ------------------------------------------------------------------ S-curve


@dataclass(frozen=True)
class CurvePoint:
    month: datetime.date
    planned: Decimal
    forecast: Decimal
    committed: Decimal
    paid: Decimal


def _spread(amount: Decimal) -> list[Decimal]:
    """`amount` over twelve months, to the cent; December takes the remainder (sums exactly)."""
    monthly = (amount / TWELVE).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return [monthly] * 11 + [amount - monthly * 11]


def s_curve(
    projects: Project | QuerySet[Project] | Iterable[int], *, as_of: datetime.date | None = None
) -> list[CurvePoint]:
    """Cumulative planned / forecast (spread evenly over each year's months) and committed / paid (dated
    execution) by month, from January of the first year to December of the last. Two queries."""
    if isinstance(projects, Project):
        line_q = Q(line__project=projects)
    elif isinstance(projects, QuerySet):
        line_q = Q(line__project__in=projects.values("pk"))
    else:
        line_q = Q(line__project_id__in=list(projects))
    planned: dict[int, tuple[Decimal, Decimal]] = {}
    for row in (
        BudgetLineYear.objects.filter(line_q)
        .values("year")
        .annotate(s_planned=Sum("planned"), s_forecast=Sum("forecast"))
        .order_by()
    ):
        planned[row["year"]] = (_d(row["s_planned"]), _d(row["s_forecast"]))
    entries = ExecutionEntry.objects.filter(line_q)
    if as_of is not None:
        entries = entries.filter(date__lte=as_of)
    actual: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    for row in (
        entries.annotate(y=ExtractYear("date"), m=ExtractMonth("date"))
        .values("y", "m", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        actual[(row["y"], row["m"])][row["kind"]] = _d(row["total"])
    years = set(planned) | {year for year, _month in actual}
    if not years:
        return []
    points = []
    cumulative = dict.fromkeys(FIGURES, ZERO)
    for year in range(min(years), max(years) + 1):
        p_months = _spread(planned.get(year, (ZERO, ZERO))[0])
        f_months = _spread(planned.get(year, (ZERO, ZERO))[1])
        for month in range(1, 13):
            cumulative["planned"] += p_months[month - 1]
            cumulative["forecast"] += f_months[month - 1]
            executed = actual.get((year, month), {})
            cumulative["committed"] += executed.get(ExecutionKind.COMMITTED, ZERO)
            cumulative["paid"] += executed.get(ExecutionKind.PAID, ZERO)
            points.append(
                CurvePoint(
                    datetime.date(year, month, 1),
                    cumulative["planned"],
                    cumulative["forecast"],
                    cumulative["committed"],
                    cumulative["paid"],
                )
            )
    return points


# ------------------------------------------------------------------ envelopes


def envelope_list() -> QuerySet[Envelope]:
    return Envelope.objects.prefetch_related(
        Prefetch("sections", queryset=EnvelopeSection.objects.prefetch_related("payment_credits"))
    ).order_by("code")


@dataclass
class SectionSummary:
    section: EnvelopeSection
    figures: Figures
    credits: dict[int, Decimal]
    by_year: dict[int, Figures]
    years: list[int]

    @property
    def authority(self) -> Decimal:
        return self.section.authority

    @property
    def unallocated(self) -> Decimal:
        return self.section.authority - self.figures.planned

    @property
    def over_allocation(self) -> Decimal:
        return max(self.figures.planned - self.section.authority, ZERO)

    @property
    def cp_total(self) -> Decimal:
        return sum(self.credits.values(), ZERO)

    def year_rows(self) -> list[dict[str, Any]]:
        rows = []
        for year in self.years:
            figures = self.by_year.get(year, Figures())
            credit = self.credits.get(year, ZERO)
            rows.append(
                {
                    "year": year,
                    "cp": credit,
                    "planned": figures.planned,
                    "committed": figures.committed,
                    "paid": figures.paid,
                    "over": max(figures.planned - credit, ZERO),
                    "cp_left": credit - figures.paid,
                }
            )
        return rows


def envelope_summaries(
    envelopes: Iterable[Envelope], filters: BudgetFilters | None = None
) -> dict[int, list[SectionSummary]]:
    """By envelope and section: authority, Σ planned/committed/paid, remaining, over-allocation, and CP by
    year against that year's Σ planned and paid. `envelopes` with sections and CP prefetched
    (envelope_list); one more query whatever their number."""
    filters = filters or BudgetFilters()
    envelopes = list(envelopes)
    grouped = _grouped(
        ["envelope_id", "section", "year"],
        BudgetFilters(as_of=filters.as_of),
        envelope_ids=[e.pk for e in envelopes],
    )
    result: dict[int, list[SectionSummary]] = {}
    for envelope in envelopes:
        summaries = []
        for section in envelope.sections.all():
            by_year = {
                year: figures
                for (envelope_id, section_code, year), figures in grouped.items()
                if envelope_id == envelope.pk and section_code == section.section
            }
            total = Figures()
            for figures in by_year.values():
                total.add(figures)
            summaries.append(
                SectionSummary(
                    section=section,
                    figures=total,
                    credits={credit.year: credit.amount for credit in section.payment_credits.all()},
                    by_year=by_year,
                    years=list(range(envelope.first_year, envelope.last_year + 1)),
                )
            )
        result[envelope.pk] = summaries
    return result


def envelope_summary(envelope: Envelope, *, as_of: datetime.date | None = None) -> list[SectionSummary]:
    envelope = envelope_list().get(pk=envelope.pk)
    return envelope_summaries([envelope], BudgetFilters(as_of=as_of))[envelope.pk]


def envelope_projects(envelope: Envelope) -> list[dict[str, Any]]:
    """The envelope's projects by section with their figures (two queries)."""
    grouped = _grouped(["section", "project_id"], BudgetFilters(envelope=envelope.pk))
    projects = Project.objects.in_bulk({key[1] for key in grouped})
    rows = [
        {
            "section": Section(section).label,
            "section_code": section,
            "project": projects[pid],
            "figures": figures,
        }
        for (section, pid), figures in grouped.items()
        if pid in projects
    ]
    rows.sort(key=lambda row: (row["section_code"], row["project"].code))
    return rows


# ------------------------------------------------------------------ portfolio


@dataclass
class Group:
    key: Any
    label: str
    figures: Figures
    children: list[Group] = field(default_factory=list)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # An envelope's section: how many projects it has, their rows loaded (children) or not.
    projects: int = 0
    # An envelope's section, when asked (`project_rows_json`): its project rows as the API writes them.
    rows_json: str | None = None


def _project_rows(filters: BudgetFilters, keys: list[str], where: Mapping[str, Any] | None = None):
    """(the other keys, project id, "code · name", figures) of the projects' totals grouped by `keys` and
    the project, sorted by the other keys and the project's code (one query)."""
    grouped, _counts = _grouped_counted(
        [*keys, "project_id", "project__code", "project__name"], filters, where=where
    )
    width = len(keys)
    rows = sorted(
        grouped.items(),
        # None (no envelope) last; then the project's code
        key=lambda item: (*((value is None, value or 0) for value in item[0][:width]), item[0][width + 1]),
    )
    return [
        (key[:width], key[width], f"{key[width + 1]} · {key[width + 2]}", figures) for key, figures in rows
    ]


def portfolio_section_projects(filters: BudgetFilters, envelope_id: int | None, section: str) -> list[Group]:
    """The project rows of one envelope's section (envelope_id None: the lines without an envelope), by
    project code: what the portfolio budget page brings on demand. One query."""
    rows = _project_rows(filters, [], where={"envelope_id": envelope_id, "section": section})
    return [Group(key=pk, label=label, figures=figures) for _key, pk, label, figures in rows]


def _envelope_groups(
    envelopes: Mapping[int, tuple[str, str]],
    sections: dict[tuple, Figures],
    counts: dict[tuple, int],
    project_rows: dict[tuple, Figures] | None,
    rows_json: dict[tuple, str] | None = None,
) -> list[Group]:
    """By envelope → section (→ project when `project_rows`, keyed by (envelope, section, project id, code,
    name)), envelopes by code (none last), sections by code, projects by code. `envelopes`: the (code,
    name) of each envelope that has a section; `sections` (keyed by (envelope, section)) with their numbers
    of projects in `counts` (and their project rows as JSON text in `rows_json`) when there are no project
    rows."""
    by_section: dict[tuple, Group] = {}
    if project_rows is not None:
        rows = sorted(
            project_rows.items(),
            # None (no envelope) last; then the section, the project's code
            key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1], item[0][3]),
        )
        for (envelope_id, section, pk, code, name), figures in rows:
            group = by_section.get((envelope_id, section))
            if group is None:
                group = by_section[envelope_id, section] = Group(
                    key=section, label=str(Section(section).label), figures=Figures()
                )
            group.children.append(Group(key=pk, label=f"{code} · {name}", figures=figures))
            group.figures.add(figures)
            group.projects += 1
    else:
        for key in sorted(sections, key=lambda key: key[1]):
            by_section[key] = Group(
                key=key[1],
                label=str(Section(key[1]).label),
                figures=sections[key],
                projects=counts.get(key, 0),
                rows_json=rows_json.get(key) if rows_json is not None else None,
            )
    by_envelope: dict[Any, Group] = {}
    for (envelope_id, _section), section_group in by_section.items():
        group = by_envelope.get(envelope_id)
        if group is None:
            # The label Envelope.__str__ writes.
            label = "{} · {}".format(*envelopes[envelope_id]) if envelope_id in envelopes else ""
            group = by_envelope[envelope_id] = Group(key=envelope_id, label=label, figures=Figures())
        group.children.append(section_group)
        group.figures.add(section_group.figures)
    return sorted(
        by_envelope.values(),
        key=lambda g: (g.key is None, envelopes[g.key][0] if g.key in envelopes else ""),
    )


# The portfolio budget's groups in one statement. The filtered totals per (envelope, section, project) are
# read once (2,000 rows on the benchmark: stored for all years, summed from the 8,000 yearly totals for one
# year), and every group is summed from these: by envelope and section (with its number of projects), by
# each project's objectives (a project counts whole in each; none: NULL), by its directorate, and, when
# asked, the (envelope, section, project) rows themselves with the project's code and name; and the code
# and name of each envelope that has a section. Columns: kind, id (envelope, objective or directorate),
# section, project id, code, name, Σ planned, forecast, committed, paid, number of projects, projects shared
# with another objective. Table and column names come from the models, quoted; the per-key rows are the
# ORM's query, with its parameters. A section's `name` column is NULL, or its project rows as JSON text
# (_SECTION_ROWS_JSON_SQL, joined to the projects) when asked.
_PORTFOLIO_GROUPS_SQL = """
WITH per_key (envelope_id, section, project_id, s_planned, s_forecast, s_committed, s_paid) AS ({per_key}),
per_project AS (
    SELECT per_key.project_id AS project_id, {project}.{project_directorate} AS directorate_id,
        SUM(per_key.s_planned) AS s_planned, SUM(per_key.s_forecast) AS s_forecast,
        SUM(per_key.s_committed) AS s_committed, SUM(per_key.s_paid) AS s_paid
    FROM per_key INNER JOIN {project} ON {project}.{project_pk} = per_key.project_id
    GROUP BY per_key.project_id, {project}.{project_directorate}
),
objective_count AS (SELECT {link_project} AS project_id, COUNT(*) AS n FROM {link} GROUP BY {link_project})
SELECT 'section', per_key.envelope_id, per_key.section, 0, NULL, {section_rows},
    SUM(per_key.s_planned), SUM(per_key.s_forecast), SUM(per_key.s_committed), SUM(per_key.s_paid),
    COUNT(*), 0
FROM per_key {section_join}
GROUP BY per_key.envelope_id, per_key.section
UNION ALL
SELECT 'envelope', {envelope}.{envelope_pk}, NULL, 0, {envelope}.{envelope_code}, {envelope}.{envelope_name},
    0, 0, 0, 0, 0, 0
FROM {envelope} WHERE {envelope}.{envelope_pk} IN (SELECT per_key.envelope_id FROM per_key)
UNION ALL
SELECT 'objective', {link}.{link_objective}, NULL, 0, {objective}.{code}, {objective}.{name},
    SUM(per_project.s_planned), SUM(per_project.s_forecast), SUM(per_project.s_committed),
    SUM(per_project.s_paid), COUNT(*), SUM(CASE WHEN objective_count.n > 1 THEN 1 ELSE 0 END)
FROM per_project
LEFT JOIN {link} ON {link}.{link_project} = per_project.project_id
LEFT JOIN {objective} ON {objective}.{objective_pk} = {link}.{link_objective}
LEFT JOIN objective_count ON objective_count.project_id = per_project.project_id
GROUP BY {link}.{link_objective}, {objective}.{code}, {objective}.{name}
UNION ALL
SELECT 'directorate', per_project.directorate_id, NULL, 0, NULL, {directorate}.{directorate_name},
    SUM(per_project.s_planned), SUM(per_project.s_forecast), SUM(per_project.s_committed),
    SUM(per_project.s_paid), COUNT(*), 0
FROM per_project
LEFT JOIN {directorate} ON {directorate}.{directorate_pk} = per_project.directorate_id
GROUP BY per_project.directorate_id, {directorate}.{directorate_name}
"""
_PORTFOLIO_PROJECT_ROWS_SQL = """
UNION ALL
SELECT 'project', per_key.envelope_id, per_key.section, per_key.project_id,
    {project}.{code}, {project}.{name},
    per_key.s_planned, per_key.s_forecast, per_key.s_committed, per_key.s_paid, 1, 0
FROM per_key INNER JOIN {project} ON {project}.{project_pk} = per_key.project_id
"""

# PostgreSQL only: a section's project rows as the API summary writes them (budgets.api.lines._groups:
# id, label "code · name", the figures as money strings; compact JSON spelled as Python's encoder spells
# it, by project code in code point order), so that 2,000 rows are not turned into Decimals, dicts and
# JSON again in Python. The sums have the totals' two decimals, so a numeric's text is the money string.
_SECTION_ROWS_JSON_SQL = """'[' || string_agg(
    '{{"id":' || per_key.project_id
    || ',"label":' || to_json({project}.{code} || ' · ' || {project}.{name})::text
    || ',"planned":"' || per_key.s_planned || '","forecast":"' || per_key.s_forecast
    || '","committed":"' || per_key.s_committed || '","paid":"' || per_key.s_paid
    || '","remaining":"' || (per_key.s_planned - per_key.s_committed)
    || '","gap":"' || (per_key.s_forecast - per_key.s_planned) || '"}}',
    ',' ORDER BY {project}.{code} COLLATE "C") || ']'"""
_SECTION_ROWS_JOIN_SQL = "INNER JOIN {project} ON {project}.{project_pk} = per_key.project_id"


def _amount(value) -> Decimal:
    """A sum from a raw statement as an exact Decimal to the cent (SQLite gives a float or an int)."""
    if value.__class__ is Decimal:  # PostgreSQL; the API summary reads 8,000 of them
        return value.quantize(CENT)
    if isinstance(value, float | int):
        value = Decimal(str(value))
    return _d(value)


def _portfolio_groups(filters: BudgetFilters, *, projects: bool, rows_json: bool = False) -> dict[str, Any]:
    """The portfolio budget's groups: by envelope → section (→ project when `projects`), by objective (with
    its numbers of projects and of projects shared with another objective) and by directorate, the total
    and the number of projects. One statement (_PORTFOLIO_GROUPS_SQL), and with `as_of` the execution up to
    that day summed live for each kind of group (three or four more queries). With `rows_json`, on
    PostgreSQL and without `as_of`, each section has its project rows as JSON text (Group.rows_json)
    instead of its children; elsewhere `rows_json` is `projects`."""
    if rows_json:
        rows_json = connection.vendor == "postgresql" and filters.as_of is None
        projects = not rows_json
    per_key: QuerySet[Any]
    if filters.year:
        per_key = (
            BudgetTotal.objects.filter(filters.line_q(""), year=filters.year)
            .values("envelope_id", "section", "project_id")
            .annotate(**_FIGURE_SUMS)
            .values_list("envelope_id", "section", "project_id", *_FIGURE_SUMS)
            .order_by()
        )
    else:
        # All years: their sums are stored per (project, envelope, section) already.
        per_key = (
            BudgetAllYearsTotal.objects.filter(filters.line_q(""))
            .values_list("envelope_id", "section", "project_id", *FIGURES)
            .order_by()
        )
    inner, params = per_key.query.sql_with_params()
    quote = connection.ops.quote_name
    link = Project.objectives.through._meta
    names = {
        "per_key": inner,
        "project": quote(Project._meta.db_table),
        "project_pk": quote(Project._meta.pk.column),
        "project_directorate": quote(Project._meta.get_field("directorate").column),
        "link": quote(link.db_table),
        "link_project": quote(link.get_field("project").column),
        "link_objective": quote(link.get_field("objective").column),
        "objective": quote(Objective._meta.db_table),
        "objective_pk": quote(Objective._meta.pk.column),
        "directorate": quote(Directorate._meta.db_table),
        "directorate_pk": quote(Directorate._meta.pk.column),
        "directorate_name": quote(Directorate._meta.get_field("name").column),
        "envelope": quote(Envelope._meta.db_table),
        "envelope_pk": quote(Envelope._meta.pk.column),
        "envelope_code": quote(Envelope._meta.get_field("code").column),
        "envelope_name": quote(Envelope._meta.get_field("name").column),
    }
    project_code = {
        "code": quote(Project._meta.get_field("code").column),
        "name": quote(Project._meta.get_field("name").column),
    }
    sql = _PORTFOLIO_GROUPS_SQL.format(
        **names,
        code=quote(Objective._meta.get_field("code").column),
        name=quote(Objective._meta.get_field("name").column),
        section_rows=_SECTION_ROWS_JSON_SQL.format(**names, **project_code) if rows_json else "NULL",
        section_join=_SECTION_ROWS_JOIN_SQL.format(**names) if rows_json else "",
    )
    if projects:
        sql += _PORTFOLIO_PROJECT_ROWS_SQL.format(**names, **project_code)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    executed = filters.as_of is None
    kinds = ("section", "objective", "directorate", "project")
    groups: dict[str, dict[tuple, Figures]] = {kind: {} for kind in kinds}
    about: dict[tuple[str, Any], tuple[Any, Any, int, int]] = {}
    section_rows: dict[tuple, str] = {}
    envelopes: dict[int, tuple[str, str]] = {}
    for kind, pk, section, project_id, code, name, planned, forecast, committed, paid, count, shared in rows:
        if kind == "envelope":
            envelopes[pk] = (code, name)
            continue
        figures = Figures(
            _amount(planned),
            _amount(forecast),
            _amount(committed) if executed else ZERO,
            _amount(paid) if executed else ZERO,
        )
        if kind == "project":
            groups[kind][pk, section, project_id, code, name] = figures
        elif kind == "section":
            groups[kind][pk, section] = figures
            about[kind, (pk, section)] = (None, None, int(count or 0), 0)
            if rows_json:
                section_rows[pk, section] = name
        else:
            groups[kind][(pk,)] = figures
            about[kind, pk] = (code, name, int(count or 0), int(shared or 0))
    if not executed:
        if projects:
            _executed_as_of(
                groups["project"],
                ["envelope_id", "section", "project_id", "project__code", "project__name"],
                filters,
            )
        else:
            _executed_as_of(groups["section"], ["envelope_id", "section"], filters)
        _executed_as_of(groups["objective"], ["project__objectives"], filters)
        _executed_as_of(groups["directorate"], ["project__directorate_id"], filters)
    by_envelope = _envelope_groups(
        envelopes,
        groups["section"],
        {key: about[kind, key][2] for kind, key in about if kind == "section"},
        groups["project"] if projects else None,
        section_rows if rows_json else None,
    )
    by_objective = []
    for (pk,), figures in sorted(
        groups["objective"].items(),
        key=lambda item: (item[0][0] is None, about.get(("objective", item[0][0]), ("",))[0] or ""),
    ):
        code, name, count, shared = about.get(("objective", pk), ("", "", 0, 0))
        label = f"{code} · {name}" if pk else ""
        by_objective.append(Group(pk, label, figures, extra={"projects": count, "shared": shared}))
    by_directorate = sorted(
        (
            Group(pk, (about.get(("directorate", pk)) or ("", ""))[1] or "", figures)
            for (pk,), figures in groups["directorate"].items()
        ),
        key=lambda g: (g.key is None, g.label),
    )
    # Each project has one directorate (or none): the directorates' rows add up to the portfolio.
    project_count = sum(about[key][2] for key in about if key[0] == "directorate")
    return {
        "total": _total(groups["directorate"]),
        "by_envelope": by_envelope,
        "by_objective": by_objective,
        "by_directorate": by_directorate,
        "project_count": project_count,
    }


def portfolio_budget(
    filters: BudgetFilters, *, projects: bool = True, project_rows_json: bool = False
) -> dict[str, Any]:
    """The portfolio budget page: totals, by envelope → section → project, by objective, by directorate,
    by funding. Every group is aggregated in SQL from the precomputed totals, in a constant number of
    queries. With `projects` False, the envelope table stops at the sections (each knows its number of
    projects; `portfolio_section_projects` gives one section's rows): the page brings them on demand.
    With `project_rows_json` (the API summary), each section's project rows come as the API writes them,
    JSON text written by PostgreSQL (Group.rows_json; on another database, or with `as_of`, as children)."""
    groups = _portfolio_groups(filters, projects=projects, rows_json=project_rows_json)
    return {
        "filters": filters,
        "total": groups["total"],
        "by_envelope": groups["by_envelope"],
        "by_objective": groups["by_objective"],
        "by_directorate": groups["by_directorate"],
        "by_funding": funding_dashboard(filters),
        "project_count": groups["project_count"],
    }


# ------------------------------------------------------------------ fundings


@dataclass
class FundingRow:
    funding: FundingSource
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    lines: int = 0

    @property
    def still_to_justify(self) -> Decimal:
        return max(self.funding.amount - self.paid, ZERO)

    @property
    def unallocated(self) -> Decimal:
        return self.funding.amount - self.allocated

    def days_left(self, today: datetime.date) -> int | None:
        return (self.funding.justify_by - today).days if self.funding.justify_by else None


def funding_dashboard(
    filters: BudgetFilters | None = None, *, fundings: QuerySet[FundingSource] | None = None
) -> list[FundingRow]:
    """Per funding source: allocated (Σ share × line planned), committed, paid (its share of them),
    still to justify by its date. Two queries: the fundings with their numbers of lines, Σ of the lines'
    amounts grouped by (funding, share) — exact Decimal products computed after — and a third for the
    execution when `as_of`."""
    filters = filters or BudgetFilters()
    sources = (fundings if fundings is not None else FundingSource.objects.all()).order_by("name")
    rows = {
        funding.pk: FundingRow(funding, lines=funding.line_count)
        for funding in sources.annotate(line_count=Count("shares"))
    }
    grouped = _grouped(["funding_id", "share"], filters, funding_ids=list(rows))
    for (funding_id, share), figures in grouped.items():
        row = rows.get(funding_id)
        if row is None or share is None:
            continue
        row.allocated += to_cents(figures.planned * share / HUNDRED)
        row.committed += to_cents(figures.committed * share / HUNDRED)
        row.paid += to_cents(figures.paid * share / HUNDRED)
    return list(rows.values())


def funding_lines(funding: FundingSource) -> list[dict[str, Any]]:
    """The lines a funding finances, with its share of their amounts (two queries)."""
    shares = list(
        FundingShare.objects.filter(funding=funding)
        .select_related("line__project")
        .order_by("line__project__code", "line__label")
    )
    grouped = {
        row["line_id"]: Figures(
            _d(row["s_planned"]), _d(row["s_forecast"]), _d(row["s_committed"]), _d(row["s_paid"])
        )
        for row in BudgetLineYear.objects.filter(line_id__in=[s.line_id for s in shares])
        .values("line_id")
        .annotate(**_FIGURE_SUMS)
        .order_by()
    }
    rows = []
    for share in shares:
        figures = grouped.get(share.line_id, Figures())
        rows.append(
            {
                "share": share,
                "line": share.line,
                "figures": figures,
                "allocated": to_cents(figures.planned * share.share / HUNDRED),
                "paid": to_cents(figures.paid * share.share / HUNDRED),
            }
        )
    return rows


# ------------------------------------------------------------------ CP consumption


# The CP voted in a year and the payments of each of its months on lines of an envelope, from the totals
# (paid_01 … paid_12), in one statement: what the ORM's two aggregates cost 2 ms of Python to write (the
# API summary and the budget page read it on every request). Names come from the models, quoted;
# {envelope_credits} and {envelope_totals} narrow both to one envelope, or are empty.
_CP_FROM_TOTALS_SQL = """
SELECT (
    SELECT SUM({credit}.{credit_amount}) FROM {credit}
    INNER JOIN {section} ON {section}.{section_pk} = {credit}.{credit_section}
    WHERE {credit}.{credit_year} = %s {envelope_credits}
), {paid_months}
FROM {total} WHERE {total}.{total_year} = %s AND {total}.{total_envelope} IS NOT NULL {envelope_totals}
"""


def _cp_from_totals(year: int, envelope: int | None) -> tuple[Decimal, dict[int, Decimal]]:
    """The CP voted in `year` and its payments by month (1–12), of one envelope or of all (one query)."""
    quote = connection.ops.quote_name
    credit, section, total = EnvelopePaymentCredit._meta, EnvelopeSection._meta, BudgetTotal._meta
    names = {
        "credit": quote(credit.db_table),
        "credit_amount": quote(credit.get_field("amount").column),
        "credit_section": quote(credit.get_field("envelope_section").column),
        "credit_year": quote(credit.get_field("year").column),
        "section": quote(section.db_table),
        "section_pk": quote(section.pk.column),
        "section_envelope": quote(section.get_field("envelope").column),
        "total": quote(total.db_table),
        "total_year": quote(total.get_field("year").column),
        "total_envelope": quote(total.get_field("envelope").column),
    }
    sql = _CP_FROM_TOTALS_SQL.format(
        **names,
        paid_months=", ".join(f"SUM({names['total']}.{quote(name)})" for name in PAID_MONTHS),
        envelope_credits="AND {section}.{section_envelope} = %s".format(**names) if envelope else "",
        envelope_totals="AND {total}.{total_envelope} = %s".format(**names) if envelope else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, envelope, year, envelope] if envelope else [year, year])
        voted, *paid = cursor.fetchone()
    return _amount(voted), {month: _amount(value) for month, value in enumerate(paid, start=1)}


def cp_consumption_by_month(
    year: int, *, envelope: int | None = None, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """Payments of each month of `year` on envelope lines against the CP voted that year, cumulative.
    One query from the totals (_CP_FROM_TOTALS_SQL), or two with `as_of`: the CP voted, and the
    payments by month from the entries up to that day (live)."""
    if as_of is None:
        voted, by_month = _cp_from_totals(year, envelope)
    else:
        credits = EnvelopePaymentCredit.objects.filter(year=year)
        if envelope:
            credits = credits.filter(envelope_section__envelope_id=envelope)
        voted = _d(credits.aggregate(total=Sum("amount"))["total"])
        entries = ExecutionEntry.objects.filter(
            kind=ExecutionKind.PAID, date__year=year, date__lte=as_of, line__envelope__isnull=False
        )
        if envelope:
            entries = entries.filter(line__envelope_id=envelope)
        by_month = {
            row["m"]: _d(row["total"])
            for row in entries.annotate(m=ExtractMonth("date"))
            .values("m")
            .annotate(total=Sum("amount"))
            .order_by()
        }
    months = []
    cumulative = ZERO
    for month in range(1, 13):
        paid = by_month.get(month, ZERO)
        cumulative += paid
        months.append(
            {
                "month": datetime.date(year, month, 1),
                "paid": paid,
                "cumulative": cumulative,
                "percent": (cumulative * HUNDRED / voted).quantize(Decimal("0.1")) if voted else None,
                "even": to_cents(voted * month / TWELVE),
            }
        )
    return {"year": year, "voted": voted, "months": months, "paid": cumulative, "left": voted - cumulative}


# ------------------------------------------------------------------ lists


def budget_line_list(filters: Mapping[str, Any] | None = None) -> QuerySet[BudgetLine]:
    """Budget lines with their project and envelope, years prefetched (API list)."""
    lines = BudgetLine.objects.select_related("project", "envelope").prefetch_related(
        Prefetch("years", queryset=BudgetLineYear.objects.order_by("year"))
    )
    return lines.order_by("project__code", "section", "label", "pk")


def transfer_list() -> QuerySet[Transfer]:
    return Transfer.objects.select_related(
        "source__line__project", "target__line__project", "actor"
    ).order_by("-at", "-pk")


def override_list() -> QuerySet[EnvelopeOverride]:
    return EnvelopeOverride.objects.select_related("envelope_section__envelope", "actor").order_by(
        "-at", "-pk"
    )


# The distinct years of the totals by one index probe per year (a loose index scan on (year, project)):
# a plain DISTINCT reads all of them (8,000 rows on the benchmark) for four years.
_TOTAL_YEARS_SQL = """
WITH RECURSIVE years (year) AS (
    SELECT MIN({year}) FROM {table}
    UNION ALL
    SELECT (SELECT MIN({year}) FROM {table} WHERE {year} > years.year) FROM years WHERE years.year IS NOT NULL
)
SELECT year FROM years WHERE year IS NOT NULL
"""


def budget_years() -> list[int]:
    """Years that have amounts or CP (filter choices). Two queries."""
    quote = connection.ops.quote_name
    sql = _TOTAL_YEARS_SQL.format(
        table=quote(BudgetTotal._meta.db_table), year=quote(BudgetTotal._meta.get_field("year").column)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        years = {int(year) for (year,) in cursor.fetchall()}
    years |= set(EnvelopePaymentCredit.objects.values_list("year", flat=True).distinct().order_by())
    return sorted(years)


def top_gaps(filters: BudgetFilters, *, limit: int = 15) -> list[dict[str, Any]]:
    """The projects whose forecast departs most from planned (absolute), for the report (two queries)."""
    grouped = _grouped(["project_id"], filters)
    ranked = sorted(grouped.items(), key=lambda item: (-abs(item[1].gap), item[0][0]))[:limit]
    projects = Project.objects.in_bulk([key[0] for key, _figures in ranked])
    return [
        {"project": projects[key[0]], "figures": figures}
        for key, figures in ranked
        if key[0] in projects and figures.gap != ZERO
    ]
