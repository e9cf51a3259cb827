"""Flash reports in the demonstration data (run by governance/demo.py).

Three project offices by theme, two committees, a governance row for every demo project (two of them
report fortnightly), and six months of validated reports for every project in progress — mostly sunny,
a few turning rainy (trend worse), one stormy in the last period —, with French texts and items (risks
with owners and due dates, decisions requested). For the last period whose deadline passed: a few
reports are missing, two were returned with a comment, one waits for validation. `cheffe.projet` has one
draft to finish for the current period and the « Write this period's report » button on her others.

Deterministic (no randomness: everything derives from the project's rank) and idempotent (every object is
looked up by its natural key first).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from governance import periods
from governance.models import (
    Cadence,
    Committee,
    Dimension,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    FlashReportStatus,
    FlashReportStatusChange,
    ItemKind,
    ItemStatus,
    ProjectGovernance,
    ProjectOffice,
    Trend,
    Weather,
)

KINDS = {
    "project_offices": ngettext_lazy("%(count)d project office", "%(count)d project offices", "count"),
    "committees": ngettext_lazy("%(count)d committee", "%(count)d committees", "count"),
    "flash_reports": ngettext_lazy("%(count)d flash report", "%(count)d flash reports", "count"),
}

S = FlashReportStatus
W = Weather
HISTORY = 6  # validated periods before the last one due

OFFICES = (
    ("NUMEDU", "Numérique éducatif", "Collèges, usages numériques et données"),
    ("SOLID", "Solidarités et autonomie", "Autonomie, insertion, enfance et familles"),
    ("ADMIN", "Administration et ressources", "Ressources humaines, finances, socle technique"),
)
COMMITTEES = (
    ("COPIL-NUM", "COPIL Feuille de route numérique"),
    ("COM-SOLID", "Comité des solidarités"),
)
OFFICE_OF_DIRECTORATE = {"DEC": "NUMEDU", "DCOM": "NUMEDU", "DAUT": "SOLID", "DINS": "SOLID", "DEF": "SOLID"}
FORTNIGHTLY = ("VH-001", "VH-002", "VH-003")

HIGHLIGHTS = (
    "Recette fonctionnelle menée avec les directions utilisatrices ; anomalies bloquantes corrigées.",
    "Ateliers de conception tenus avec les agents d'accueil ; maquettes validées par le comité utilisateurs.",
    "Marché subséquent notifié au prestataire ; réunion de lancement tenue et planning partagé.",
    "Migration des données de l'ancienne application réalisée sur l'environnement de pré-production.",
    "Formation des référents terminée ; le support de niveau 1 est organisé avec l'assistance.",
)
ACHIEVEMENTS = (
    "Lot 1 livré et mis en production sans incident.",
    "Dossier d'homologation de sécurité déposé auprès du RSSI.",
    "Interfaces avec le système d'information financier testées de bout en bout.",
    "Analyse d'impact RGPD validée par le délégué à la protection des données.",
)
NEXT_STEPS = (
    "Préparer la mise en production du lot 2 et la communication aux usagers.",
    "Lancer la reprise des données historiques et la recette d'exploitation.",
    "Organiser le comité de suivi avec la direction métier et arbitrer le périmètre du lot 3.",
)
RISKS = (
    ("Disponibilité réduite des agents métier pendant la campagne budgétaire", "Direction métier"),
    ("Retard de livraison du connecteur par l'éditeur", "Prestataire"),
    ("Départ du référent technique de la DSI", "DSI"),
    ("Volumétrie des données à reprendre sous-estimée", "MOE"),
)
DECISIONS = (
    "Arbitrer le report du lot 3 au premier semestre",
    "Valider le recours à un prestataire pour l'assistance à la recette",
    "Confirmer le financement de la tranche optionnelle",
)
RETURN_COMMENTS = (
    "Merci de compléter le commentaire sur le budget : la prévision dépasse le voté.",
    "Les jalons manqués ne sont pas expliqués ; précisez la nouvelle date de mise en service.",
)
COMMENTS = {
    W.CLOUDY: "Quelques écarts à surveiller, sans effet sur la date de mise en service à ce stade.",
    W.RAINY: "Écart significatif : un plan d'action est proposé au comité.",
    W.STORMY: "Situation critique : la date de mise en service n'est plus tenable sans arbitrage.",
}


def _offices(created: Counter) -> dict[str, ProjectOffice]:
    from ppm.demo import demo_users

    lead = demo_users().get("pmo")
    result = {}
    for code, name, theme in OFFICES:
        office, made = ProjectOffice.objects.get_or_create(
            code=code, defaults={"name": name, "theme": theme, "lead": lead}
        )
        created["project_offices"] += int(made)
        result[code] = office
    return result


def _committees(created: Counter) -> dict[str, Committee]:
    result = {}
    for code, name in COMMITTEES:
        committee, made = Committee.objects.get_or_create(code=code, defaults={"name": name})
        created["committees"] += int(made)
        result[code] = committee
    return result


def _weathers(rank: int, age: int, stormy: bool) -> dict[str, str]:
    """The dimensions' weather of project number `rank`, `age` periods before the last one due (0)."""
    weathers: dict[str, str] = {dimension: W.SUNNY for dimension in Dimension.values}
    if rank % 4 == 1:
        weathers[Dimension.RISKS] = W.CLOUDY
    if rank % 5 == 2:  # turning rainy over the last periods
        if age <= 2:
            weathers[Dimension.SCHEDULE] = W.CLOUDY
        if age <= 1:
            weathers[Dimension.SCHEDULE] = W.RAINY
            weathers[Dimension.RESOURCES] = W.CLOUDY
    if rank % 7 == 3 and age <= 1:
        weathers[Dimension.BUDGET] = W.RAINY
    if stormy and age == 0:
        weathers[Dimension.SCHEDULE] = W.STORMY
        weathers[Dimension.RISKS] = W.RAINY
    return weathers


def _worst(weathers) -> str:
    from governance.flash import worst

    return worst(weathers)


def _trend(current: str, previous: str | None) -> str:
    from governance.flash import trend

    return trend(current, previous)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def load(*, today: date) -> Counter:
    from portfolio.models import Project
    from portfolio.rules import ProjectStatus

    created: Counter = Counter()
    offices = _offices(created)
    committees = _committees(created)
    pmo = get_user_model().objects.filter(username="pmo").first()
    periods.periods_ensure(since=date(today.year - 1, 1, 1), until=today)

    projects = list(Project.objects.select_related("directorate", "manager").order_by("code"))
    rows = []
    for project in projects:
        office = OFFICE_OF_DIRECTORATE.get(project.directorate.code, "ADMIN")
        rows.append(
            ProjectGovernance(
                project=project,
                project_office=offices[office],
                committee=committees["COM-SOLID" if office == "SOLID" else "COPIL-NUM"],
                cadence=Cadence.FORTNIGHTLY if project.code in FORTNIGHTLY else Cadence.MONTHLY,
            )
        )
    existing = set(ProjectGovernance.objects.values_list("project_id", flat=True))
    ProjectGovernance.objects.bulk_create([row for row in rows if row.project_id not in existing])
    cadence_of = {row.project_id: row.cadence for row in ProjectGovernance.objects.all()}

    in_progress = [p for p in projects if p.status == ProjectStatus.IN_PROGRESS]
    stormy_code = in_progress[2].code if len(in_progress) > 2 else None
    # The last period due: returned, submitted or missing for a few projects.
    returned = {p.code for p in in_progress[5:7]}
    submitted = {p.code for p in in_progress[7:8]}
    missing = {p.code for p in in_progress[8:11]}
    cheffe_first = next((p for p in in_progress if p.manager and p.manager.username == "cheffe.projet"), None)

    done = set(FlashReport.objects.values_list("project_id", "period_id"))
    for rank, project in enumerate(in_progress):
        cadence = cadence_of.get(project.pk, Cadence.MONTHLY)
        from governance.flash import due_period

        last_start, _last_end = due_period(cadence, today)
        spans = [last_start]
        for _ in range(HISTORY - 1):
            spans.insert(0, periods.previous_bounds(cadence, spans[0])[0])
        previous: dict | None = None
        for age, start in zip(range(len(spans) - 1, -1, -1), spans, strict=True):
            period = periods.period_get(cadence, start)
            weathers = _weathers(rank, age, project.code == stormy_code)
            overall = _worst(weathers.values())
            if age == 0 and project.code in missing:
                continue
            status = S.VALIDATED
            if age == 0 and project.code in returned:
                status = S.RETURNED
            elif age == 0 and project.code in submitted:
                status = S.SUBMITTED
            risk = None
            if (project.pk, period.pk) not in done:
                risk = _report(created, project, period, rank, age, status, overall, weathers, previous, pmo)
            if status == S.VALIDATED:
                previous = {"weather": overall, "dimensions": weathers, "risk": risk}
        if cheffe_first is not None and project.pk == cheffe_first.pk:
            current = periods.period_get(cadence, today)
            if (project.pk, current.pk) not in done:
                # As the service builds it (prefilled, open items carried over), not audited like the
                # rest of the demo's reports.
                from governance.flash import _draft_build

                _draft_build(project, current, author=project.manager, today=today, save=lambda r: r.save())
                created["flash_reports"] += 1
    return created


def _figures(rank: int, age: int, weathers: dict) -> dict:
    """A few figures as the prefill would have given them; the author corrected one now and then."""
    from governance.flash import FIGURES

    slippage = {W.SUNNY: 0, W.CLOUDY: 6, W.RAINY: 18, W.STORMY: 40}[weathers[Dimension.SCHEDULE]]
    values: dict[str, int] = {
        "milestones_reached": (rank + age) % 3,
        "milestones_missed": int(slippage > 10),
        "slippage_days": slippage,
    }
    figures = {}
    for key, value in values.items():
        label, source, kind = FIGURES[key]
        figures[key] = {
            "label": str(label),
            "value": value,
            "prefilled": value,
            "source": source,
            "kind": kind,
            "corrected": False,
        }
    if rank % 6 == 4:
        figures["milestones_reached"].update(value=int(values["milestones_reached"]) + 1, corrected=True)
    return figures


def _report(
    created, project, period, rank, age, status, overall, weathers, previous, pmo
) -> FlashReportItem | None:
    """The report with its dimensions, items and moves; returns its risk (None for a draft). A risk still
    open in the previous report is carried over (`carried_from`), as the service's draft does."""
    submitted_at = _at(period.deadline - timedelta(days=2))
    report = FlashReport.objects.create(
        project=project,
        period=period,
        status=status,
        weather=overall,
        trend=_trend(overall, previous["weather"] if previous else None) if overall else Trend.NEW,
        percent_complete=min(95, 20 + 8 * (6 - max(age, 0)) + rank % 10) if status != S.DRAFT else None,
        highlights=HIGHLIGHTS[(rank + age) % len(HIGHLIGHTS)] if status != S.DRAFT else "",
        achievements=ACHIEVEMENTS[(rank + 2 * age) % len(ACHIEVEMENTS)] if status != S.DRAFT else "",
        next_steps=NEXT_STEPS[(rank + age) % len(NEXT_STEPS)] if status != S.DRAFT else "",
        author=project.manager,
        submitted_at=submitted_at,
        validated_at=submitted_at + timedelta(days=1) if status == S.VALIDATED else None,
        validated_by=pmo if status == S.VALIDATED else None,
        return_comment=RETURN_COMMENTS[rank % len(RETURN_COMMENTS)] if status == S.RETURNED else "",
        figures=_figures(rank, age, weathers),
    )
    created["flash_reports"] += 1
    before = (previous or {}).get("dimensions", {})
    FlashReportDimension.objects.bulk_create(
        FlashReportDimension(
            report=report,
            dimension=dimension,
            weather=weather,
            trend=_trend(weather, before.get(dimension)) if weather else Trend.NEW,
            comment=COMMENTS.get(weather, ""),
        )
        for dimension, weather in weathers.items()
    )
    if status == S.DRAFT:
        return None
    text, owner = RISKS[rank % len(RISKS)]
    earlier = (previous or {}).get("risk")
    risk = FlashReportItem(
        report=report,
        kind=ItemKind.RISK,
        text=text,
        owner=owner,
        due_date=period.end + timedelta(days=45),
        status=ItemStatus.OPEN if age <= 2 else ItemStatus.CLOSED,
        carried_from=earlier if earlier is not None and earlier.status == ItemStatus.OPEN else None,
    )
    items = [risk]
    if rank % 3 == 0 and age <= 1:
        items.append(
            FlashReportItem(
                report=report, kind=ItemKind.DECISION, text=DECISIONS[rank % len(DECISIONS)], order=1
            )
        )
    FlashReportItem.objects.bulk_create(items)
    changes = [(S.DRAFT, S.SUBMITTED, "submit", "", project.manager)]
    if status == S.VALIDATED:
        changes.append((S.SUBMITTED, S.VALIDATED, "validate", "", pmo))
    if status == S.RETURNED:
        changes.append((S.SUBMITTED, S.RETURNED, "return", report.return_comment, pmo))
    FlashReportStatusChange.objects.bulk_create(
        FlashReportStatusChange(report=report, source=s, target=t, action=a, comment=c, actor=u)
        for s, t, a, c, u in changes
    )
    # `at` is set on creation: date the moves as they happened.
    report.status_changes.filter(action="submit").update(at=submitted_at)
    report.status_changes.exclude(action="submit").update(at=submitted_at + timedelta(days=1))
    return risk
