"""Steering part of the benchmark (`make bench`): the dashboard, its drill-downs, the alerts list and the
steering API over the seeded portfolio; the report pack's build time (figures()).

Seed: monthly reporting periods and six months of validated flash reports for the in-progress projects
when the flash part's seed made none (so that this part measures something on its own), then ≥ 10,000
alerts (mostly closed history, a few hundred open; fewer below 1,000 projects, ppm.bench.scaled).
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from ppm.bench import QUALITY_BAR, Screen, at_most_queries, scaled

SEED = 9
ALERTS = 10_500
PACK_PROJECTS = 69
SEEDED_MODELS: tuple = ()
WATCHED_TABLES = ("governance_alert", "governance_flashreport", "governance_flashreportdimension")

WHYS = (
    "Recette du lot 2 décalée de trois semaines : l'éditeur n'a pas livré le correctif.",
    "Dépassement prévisible de 12 % sur le marché d'intégration.",
    "Deux agents du service métier absents jusqu'en mars : la reprise des données est à l'arrêt.",
    "Périmètre élargi à la demande du comité sans moyens supplémentaires.",
    "Risque juridique sur le traitement des données personnelles, avis du DPO attendu.",
)


def month_periods(today: date, months: int) -> list:
    """The `months` monthly periods up to today's month (created if missing)."""
    from governance.models import Cadence, ReportingPeriod

    periods = []
    first = date(today.year, today.month, 1)
    for _step in range(months - 1):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    for _index in range(months):
        following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        period, _created = ReportingPeriod.objects.get_or_create(
            cadence=Cadence.MONTHLY,
            start=first,
            defaults={"end": following - timedelta(days=1), "deadline": following + timedelta(days=4)},
        )
        periods.append(period)
        first = following
    return periods


def seed_reports(projects, *, today: date, months: int = 6, missing_share: float = 0.15, rng=None) -> int:
    """Validated flash reports, `months` months of them, for `projects` (mostly sunny, some rainy, a few
    stormy), with dimensions, a risk and a decision on the red ones; the last due period is left
    missing for a share of projects. Bulk inserts; returns how many reports were created."""
    from django.utils import timezone

    from governance.models import (
        Dimension,
        FlashReport,
        FlashReportDimension,
        FlashReportItem,
        FlashReportStatus,
        ItemKind,
        Weather,
    )

    rng = rng or random.Random(SEED)
    periods = [period for period in month_periods(today, months) if period.end < today]
    reports, now = [], timezone.now()
    weathers = [Weather.SUNNY] * 6 + [Weather.CLOUDY] * 3 + [Weather.RAINY] * 2 + [Weather.STORMY]
    for project in projects:
        skip_last = rng.random() < missing_share
        for index, period in enumerate(periods):
            if skip_last and index == len(periods) - 1:
                continue
            reports.append(
                FlashReport(
                    project=project,
                    period=period,
                    status=FlashReportStatus.VALIDATED,
                    weather=rng.choice(weathers),
                    percent_complete=min(100, 10 + index * 12),
                    highlights="Avancement conforme au planning révisé.",
                    next_steps="Préparer le comité de suivi.",
                    validated_at=now,
                    submitted_at=now,
                )
            )
    FlashReport.objects.bulk_create(reports, batch_size=1000, ignore_conflicts=True)
    created = FlashReport.objects.filter(project__in=projects, period__in=periods).only("pk", "weather")
    dimensions, items = [], []
    for report in created:
        red = report.weather in (Weather.RAINY, Weather.STORMY)
        for code in Dimension.values:
            weather = report.weather if red and code == Dimension.SCHEDULE else rng.choice(weathers[:9])
            dimensions.append(
                FlashReportDimension(
                    report=report, dimension=code, weather=weather, comment=rng.choice(WHYS) if red else ""
                )
            )
        if red:
            items.append(
                FlashReportItem(
                    report=report,
                    kind=ItemKind.RISK,
                    text=rng.choice(WHYS),
                    owner="Chef de projet",
                    due_date=today - timedelta(days=rng.randint(1, 30)),
                )
            )
            items.append(
                FlashReportItem(
                    report=report,
                    kind=ItemKind.DECISION,
                    text="Arbitrer le report de la mise en service.",
                    owner="Comité",
                    due_date=today + timedelta(days=14),
                )
            )
    FlashReportDimension.objects.bulk_create(dimensions, batch_size=2000, ignore_conflicts=True)
    FlashReportItem.objects.bulk_create(items, batch_size=2000)
    return len(reports)


def seed(*, projects: int) -> None:
    from django.utils import timezone

    from governance.alerts import alert_rules_ensure
    from governance.models import Alert, AlertStatus, FlashReport
    from portfolio.models import Project
    from portfolio.rules import ProjectStatus

    today = timezone.localdate()
    if not FlashReport.objects.exists():
        seed_reports(Project.objects.filter(status=ProjectStatus.IN_PROGRESS), today=today)
    rules = alert_rules_ensure()
    rng = random.Random(SEED)
    project_ids = list(Project.objects.values_list("pk", flat=True))
    alerts = []
    for index in range(scaled(ALERTS, projects, least=500)):
        rule = rules[index % len(rules)]
        is_open = index % 25 == 0
        alerts.append(
            Alert(
                rule=rule,
                cause_key=f"bench:{rule.code}:{index}",
                project_id=rng.choice(project_ids) if project_ids else None,
                severity=rule.severity,
                message=rule.code,
                params={"task": "Jalon", "date": today.isoformat(), "percent": 40, "days": 12},
                status=AlertStatus.OPEN if is_open else AlertStatus.CLOSED,
                closed_at=None if is_open else timezone.now(),
            )
        )
    Alert.objects.bulk_create(alerts, batch_size=2000, ignore_conflicts=True)


TILES = ("weather", "missing", "slipped", "milestones", "drift", "budget", "teams", "decisions", "trend")


def screens() -> list[Screen]:
    return [
        Screen("Steering dashboard", "/steering/", [QUALITY_BAR, at_most_queries(40)]),
        Screen("Alerts list", "/alerts/?status=", [QUALITY_BAR, at_most_queries(20)]),
        Screen(
            "API steering", "/api/v1/steering/", [QUALITY_BAR, at_most_queries(40)], accept="application/json"
        ),
        Screen(
            "API alerts", "/api/v1/alerts/", [QUALITY_BAR, at_most_queries(20)], accept="application/json"
        ),
        *(
            Screen(f"Steering drill-down: {tile}", f"/steering/{tile}/", [QUALITY_BAR, at_most_queries(30)])
            for tile in TILES
        ),
    ]


def figures() -> list[str]:
    """Pack build time for 69 projects (compose + print, one worker), and per project page."""
    from django.utils import timezone, translation

    from governance.packs import PackScope, pack_data, pack_html, pack_projects
    from ppm.pdf import render_pdf

    with translation.override("fr"):
        scope = PackScope("all", None, timezone.localdate(), "Bench")
        sample = pack_projects(scope).filter(
            pk__in=list(pack_projects(scope).order_by("pk").values_list("pk", flat=True)[:PACK_PROJECTS])
        )
        started = time.perf_counter()
        data = pack_data(scope, projects=sample)
        pdf = render_pdf(pack_html(data))
        elapsed = time.perf_counter() - started
    pages = max(len(data["pages"]), 1)
    return [
        f"Report pack (PDF, {len(data['pages'])} project pages, {len(pdf) // 1024} KiB): "
        f"{elapsed:.1f} s in one worker, {elapsed / pages:.2f} s per project page"
    ]
