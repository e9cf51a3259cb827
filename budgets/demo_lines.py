"""The LINES part of the budgets demo (`budgets.demo` runs it): fiscal years 2024–2027, the 15 M€ envelope
« Feuille de route numérique 2024-2027 » (11 M€ investment AP, 4 M€ operating AE, CP by year), a
recovery-plan grant and a FEDER grant financing some lines, 1–4 budget lines per framing, approved,
in-progress and closed project with planned amounts in the years of the project, execution dated month by
month through `today`'s month for in-progress and closed projects, a few reforecasts and one transfer.

Idempotent (every object is looked up by its natural key: envelope code, funding name, (project, line
label), entry reference) and deterministic (amounts drawn from a generator seeded by the project's code).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import ngettext_lazy

from budgets import services
from budgets.demo import DEMO_ENVELOPE_CODE
from budgets.models import (
    BudgetLine,
    BudgetLineYear,
    Envelope,
    ExecutionEntry,
    ExecutionSource,
    ForecastRevision,
    FundingSource,
    Transfer,
)
from budgets.totals import budget_totals_refresh
from portfolio.models import Project

KINDS = {
    "envelopes": ngettext_lazy("%(count)d envelope", "%(count)d envelopes", "count"),
    "budget_lines": ngettext_lazy("%(count)d budget line", "%(count)d budget lines", "count"),
    "execution_entries": ngettext_lazy("%(count)d execution entry", "%(count)d execution entries", "count"),
    "fundings": ngettext_lazy("%(count)d funding source", "%(count)d funding sources", "count"),
}

FIRST_YEAR, LAST_YEAR = 2024, 2027
AUTHORITY = {"investment": Decimal("11000000.00"), "operating": Decimal("4000000.00")}
STATUSES = ("framing", "approved", "in_progress", "closed")
EXECUTED = ("in_progress", "closed")
# (label, section, nature, share of the project's budget)
LINE_KINDS = [
    ("Études et AMOA", "investment", "studies"),
    ("Licences", "investment", "licences"),
    ("Prestations de réalisation", "investment", "services"),
    ("Matériel", "investment", "hardware"),
    ("Hébergement", "operating", "hosting"),
    ("Travaux internes", "operating", "internal"),
]
RELANCE = "France Relance — volet numérique"
FEDER = "FEDER — programme opérationnel régional"
CENT = Decimal("0.01")


def _years(project: Project, today: date) -> list[int]:
    start = project.planned_start.year if project.planned_start else today.year
    end = project.planned_end.year if project.planned_end else start + 1
    start, end = max(start, FIRST_YEAR), min(max(end, start), LAST_YEAR)
    return list(range(start, end + 1)) or [min(max(today.year, FIRST_YEAR), LAST_YEAR)]


def _plan(
    projects: list[Project], today: date
) -> dict[int, list[tuple[tuple[str, str, str], dict[int, Decimal]]]]:
    """Each project's lines and planned amounts by year, scaled to ~85 % of each section's AP/AE."""
    plans: dict[int, list] = {}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for project in projects:
        rng = random.Random(project.code)  # noqa: S311 - demo data, not security
        kinds = rng.sample(LINE_KINDS, rng.randint(1, 4))
        lines = []
        for kind in kinds:
            amounts = {year: Decimal(rng.randrange(20, 240) * 1000) for year in _years(project, today)}
            totals[kind[1]] += sum(amounts.values())
            lines.append((kind, amounts))
        plans[project.pk] = lines
    factors = {
        section: min(Decimal("1"), AUTHORITY[section] * Decimal("0.85") / total) if total else Decimal("1")
        for section, total in totals.items()
    }
    for lines in plans.values():
        for (_label, section, _nature), amounts in lines:
            for year in amounts:
                amounts[year] = (amounts[year] * factors[section]).quantize(Decimal("1000"))
    return plans


def _envelope(plans) -> tuple[Envelope, bool]:
    existing = Envelope.objects.filter(code=DEMO_ENVELOPE_CODE).first()
    if existing is not None:
        return existing, False
    by_year: dict[str, dict[int, Decimal]] = {s: defaultdict(Decimal) for s in AUTHORITY}
    for lines in plans.values():
        for (_label, section, _nature), amounts in lines:
            for year, amount in amounts.items():
                by_year[section][year] += amount
    sections = []
    for section, authority in AUTHORITY.items():
        planned = sum(by_year[section].values(), Decimal("0"))
        credits = {}
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            # CP follow the planned profile; what is not planned yet is spread over the years.
            share = by_year[section].get(year, Decimal("0"))
            spare = (authority - planned) / (LAST_YEAR - FIRST_YEAR + 1)
            credits[year] = (share + spare).quantize(CENT)
        drift = authority - sum(credits.values(), Decimal("0"))
        credits[LAST_YEAR] += drift
        sections.append({"section": section, "authority": authority, "payment_credits": credits})
    envelope = services.envelope_create(
        actor=None,
        code=DEMO_ENVELOPE_CODE,
        name="Feuille de route numérique 2024-2027",
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
        notes="Programme pluriannuel voté par l'assemblée départementale (délibération 2023-12-14).",
        sections=sections,
    )
    return envelope, True


def _fundings(created: Counter) -> tuple[FundingSource, FundingSource]:
    result = []
    for name, data in (
        (
            RELANCE,
            {
                "kind": "recovery",
                "reference": "FR-NUM-2021-0457",
                "amount": "1200000.00",
                "start": date(2024, 1, 1),
                "end": date(2026, 12, 31),
                "justify_by": date(2026, 12, 31),
                "conditions": "Dépenses d’investissement numérique engagées avant fin 2025, "
                "justifiées avant fin 2026.",
            },
        ),
        (
            FEDER,
            {
                "kind": "eu",
                "reference": "FEDER-OP-2024-118",
                "amount": "800000.00",
                "start": date(2024, 1, 1),
                "end": date(2027, 12, 31),
                "justify_by": date(2027, 6, 30),
                "conditions": "Cofinancement de 40 % au plus ; publicité du soutien européen obligatoire.",
            },
        ),
    ):
        funding = FundingSource.objects.filter(name=name).first()
        if funding is None:
            funding = services.funding_source_create(actor=None, data={"name": name, **data})
            created["fundings"] += 1
        result.append(funding)
    return result[0], result[1]


def _execution(
    line: BudgetLine, amounts: dict[int, Decimal], status: str, today: date
) -> list[ExecutionEntry]:
    rng = random.Random(f"{line.project.code}-{line.label}")  # noqa: S311 - demo data
    entries = []
    for year, planned in sorted(amounts.items()):
        if year > today.year or planned <= 0:
            continue
        last_month = 12 if year < today.year else today.month
        rate = (
            Decimal(rng.randrange(80, 100)) / 100
            if status == "closed" or year < today.year
            else Decimal(rng.randrange(55, 90)) / 100
        )
        committed = (planned * rate).quantize(Decimal("100"))
        first = min(2, last_month)
        entries.append(
            ExecutionEntry(
                line=line,
                kind="committed",
                date=min(date(year, first, 10), today),
                amount=committed,
                source=ExecutionSource.IMPORT,
                external_ref=f"DEMO-E-{line.pk}-{year}",
                label="Engagement",
            )
        )
        months = list(range(first + 1, last_month + 1)) or [first]
        # Paid month by month, reaching ~ the committed amount by December (less within the year).
        paid_target = (committed * Decimal(len(months)) / Decimal(max(1, 12 - first))).quantize(CENT)
        paid_target = min(paid_target, committed)
        monthly = (paid_target / len(months)).quantize(CENT)
        for index, month in enumerate(months):
            amount = monthly if index < len(months) - 1 else paid_target - monthly * (len(months) - 1)
            if amount <= 0:
                continue
            entries.append(
                ExecutionEntry(
                    line=line,
                    kind="paid",
                    date=min(date(year, month, min(25, 20 + index % 5)), today),
                    amount=amount,
                    source=ExecutionSource.IMPORT,
                    external_ref=f"DEMO-P-{line.pk}-{year}-{month:02d}",
                    label="Mandat",
                )
            )
    return entries


@transaction.atomic
def load(*, today: date) -> Counter:
    created: Counter = Counter()
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        services.fiscal_year_ensure(year=year)
    projects = list(Project.objects.filter(status__in=STATUSES).select_related("manager").order_by("code"))
    plans = _plan(projects, today)
    envelope, new = _envelope(plans)
    created["envelopes"] += int(new)
    relance, feder = _fundings(created)
    entries: list[ExecutionEntry] = []
    touched: list[int] = []
    investment_lines = 0
    for project in projects:
        existing = {line.label: line for line in BudgetLine.objects.filter(project=project)}
        for index, ((label, section, nature), amounts) in enumerate(plans[project.pk]):
            if label in existing:
                continue
            # Demo data of the system (no audit entry: the history starts with the demo's reforecasts).
            line = BudgetLine.objects.create(
                project=project,
                label=label,
                section=section,
                nature=nature,
                envelope=envelope,
                external_ref=f"{project.code}-{index + 1:02d}",
            )
            BudgetLineYear.objects.bulk_create(
                [BudgetLineYear(line=line, year=y, planned=a, forecast=a) for y, a in amounts.items()]
            )
            created["budget_lines"] += 1
            if section == "investment":
                investment_lines += 1
                if investment_lines <= 5:
                    services.funding_share_set(actor=None, line=line, funding=relance, share="50")
                elif investment_lines <= 9:
                    services.funding_share_set(actor=None, line=line, funding=feder, share="40")
            if project.status in EXECUTED:
                entries += _execution(line, amounts, project.status, today)
                touched.append(line.pk)
    known = set(
        ExecutionEntry.objects.filter(external_ref__startswith="DEMO-").values_list("kind", "external_ref")
    )
    fresh = [e for e in entries if (e.kind, e.external_ref) not in known]
    ExecutionEntry.objects.bulk_create(fresh)
    created["execution_entries"] += len(fresh)
    services.line_year_totals_refresh(touched)
    # The lines' years were bulk-created: their projects' totals (budgets.totals) are computed once here.
    budget_totals_refresh(project.pk for project in projects)
    _reforecasts_and_transfer(projects, today)
    return created


def _reforecasts_and_transfer(projects: list[Project], today: date) -> None:
    if ForecastRevision.objects.exists() or Transfer.objects.exists():
        return
    comments = [
        "Retard de livraison du prestataire : une partie des paiements glisse sur l'année suivante.",
        "Licences supplémentaires pour les agents des collèges.",
        "Marché subséquent moins cher que l'estimation initiale.",
    ]
    running = [p for p in projects if p.status == "in_progress" and p.manager_id]
    line_years = list(
        BudgetLineYear.objects.filter(
            line__project__in=running, year=min(max(today.year, FIRST_YEAR), LAST_YEAR)
        )
        .select_related("line__project__manager")
        .order_by("line__project__code", "line__label")[:3]
    )
    factors = (Decimal("1.12"), Decimal("1.08"), Decimal("0.90"))
    for line_year, comment, factor in zip(line_years, comments, factors, strict=False):
        services.line_reforecast(
            actor=line_year.line.project.manager,
            line_year=line_year,
            forecast=(line_year.planned * factor).quantize(Decimal("100")),
            comment=comment,
        )
    # One transfer between two lines of a project, within what is not committed yet.
    from ppm.models import User

    pmo = User.objects.filter(role="pmo", is_active=True).order_by("pk").first()
    for project in running:
        years = list(
            BudgetLineYear.objects.filter(line__project=project, line__section="investment")
            .select_related("line")
            .order_by("year", "line__label")
        )
        pairs = [(a, b) for a in years for b in years if a.year == b.year and a.pk != b.pk]
        for source, target in pairs:
            margin = source.planned - source.committed
            if margin >= Decimal("20000"):
                services.transfer_create(
                    actor=pmo,
                    source_line_year=source,
                    target_line_year=target,
                    amount=Decimal("15000.00"),
                    reason="Besoin complémentaire de licences, financé par le reliquat des études.",
                )
                return
