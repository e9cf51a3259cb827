"""Flash reports in the benchmark (`make bench`): 12 monthly periods of validated reports (five dimensions
each, a risk item every other report) for every project — 12,000 reports and 60,000 dimensions at 1,000
projects —, bulk-inserted and deterministic; the screens that read them."""

from __future__ import annotations

import random
from datetime import date

from governance.models import (
    Cadence,
    Dimension,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    FlashReportStatus,
    ItemKind,
    ReportingPeriod,
    Weather,
)
from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Screen, at_most_queries

SEED = 919
ANCHOR = date(2025, 6, 30)  # the portfolio benchmark's "today"
PERIODS = 12
BATCH = 2000
WATCHED_TABLES = ("governance_flashreport", "governance_flashreportdimension", "governance_flashreportitem")
SEEDED_MODELS = (ReportingPeriod, FlashReport, FlashReportDimension, FlashReportItem)  # parents first
WEATHERS = (Weather.SUNNY,) * 6 + (Weather.CLOUDY,) * 3 + (Weather.RAINY, Weather.STORMY)


def seed(*, projects: int) -> None:
    from governance import periods
    from portfolio.models import Project

    rng = random.Random(SEED)
    periods.periods_ensure(since=date(ANCHOR.year - 1, ANCHOR.month, 1), until=ANCHOR)
    months = list(
        ReportingPeriod.objects.filter(cadence=Cadence.MONTHLY, end__lt=ANCHOR).order_by("-start")[:PERIODS]
    )
    project_ids = list(Project.objects.order_by("pk").values_list("pk", flat=True)[:projects])
    reports = [
        FlashReport(
            project_id=project_id,
            period=period,
            status=FlashReportStatus.VALIDATED,
            weather=rng.choice(WEATHERS),
            percent_complete=rng.randint(0, 100),
            highlights="Recette en cours ; lot 1 livré.",
        )
        for project_id in project_ids
        for period in months
    ]
    for start in range(0, len(reports), BATCH):
        FlashReport.objects.bulk_create(reports[start : start + BATCH])
    ids = list(FlashReport.objects.filter(project_id__in=project_ids).values_list("pk", flat=True))
    dimensions = [
        FlashReportDimension(report_id=report_id, dimension=dimension, weather=rng.choice(WEATHERS))
        for report_id in ids
        for dimension in Dimension.values
    ]
    for start in range(0, len(dimensions), BATCH):
        FlashReportDimension.objects.bulk_create(dimensions[start : start + BATCH])
    FlashReportItem.objects.bulk_create(
        [
            FlashReportItem(report_id=report_id, kind=ItemKind.RISK, text="Retard de livraison", owner="DSI")
            for report_id in ids[::2]
        ],
        batch_size=BATCH,
    )


def screens() -> list[Screen]:
    from portfolio.models import Project

    project_id = FlashReport.objects.order_by("pk").values_list("project_id", flat=True).first() or 0
    report_id = (
        FlashReport.objects.filter(project_id=project_id).order_by("-pk").values_list("pk", flat=True).first()
    )
    if project_id is None:
        project_id = Project.objects.order_by("pk").values_list("pk", flat=True).first()
    return [
        Screen(
            "Project list with weather column",
            "/projects/?ordering=-flash_weather",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "Project report history",
            f"/projects/{project_id}/reports/",
            [QUALITY_BAR, at_most_queries(20), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "Flash report page",
            f"/reports/{report_id}/",
            [QUALITY_BAR, at_most_queries(25), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "API flash reports, page of 100",
            "/api/v1/flash-reports/?page_size=100",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]
