"""Stored latest validated flash reports (LatestReport): how they are kept exact.

The steering dashboard, its API and the decisions tile need each project's latest validated report; found
live it is a correlated subquery per project of the portfolio (~10 ms over 800 projects, read three
times a page). They read one stored row per project instead, which stays equal to the live answer
(`flash_selectors.latest_report_ids(validated=True)`) because:

* a row copies its report's weather (the tiles count and rank projects without reading the reports).
* one function writes them, `latest_reports_refresh(project_ids)`: it RECOMPUTES the latest validated
  report of these projects from their reports and writes the difference (deletes, inserts). No
  incremental logic: whatever a write did, the projects' rows are right after.
* every single save or delete of a flash report refreshes its project (signals connected in
  governance.apps: the workflow services, revisions, the demo, the tests' factories, the admin); a save
  that cannot change the answer (a draft's edit while it is not the stored report) costs one EXISTS.
  Bulk writers (the benchmark's seeds) call the refresh themselves; `latest_reports_check()` compares
  every stored row with the live answer (tests, and a quick audit in a shell).
* concurrency: the refresh locks its projects' rows first (PostgreSQL: FOR NO KEY UPDATE, in pk order,
  which does not block other tables' foreign keys), then reads the reports in a new statement, so two
  writes to one project's reports refresh one after the other and the second sees the first's rows.
* a project deleted deletes its row (CASCADE); a report deleted deletes the row pointing to it (CASCADE)
  and the refresh that follows stores the previous validated report, if any.

Reporting periods are generated, never edited, so a period's dates do not change which report is latest.
A pack "as of" a past day still finds its reports live (governance.steering, `as_of`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from governance.flash_selectors import latest_report_ids
from governance.models import FlashReport, FlashReportStatus, LatestReport
from portfolio.models import Project
from ppm.versioning import lock_many

Latest = tuple[int, str]  # (report id, its overall weather)


def latest_reports_compute(project_ids: Iterable[int] | None = None) -> dict[int, Latest]:
    """{project id: (its latest validated report's id, that report's weather)} as the live reports give
    it (projects without a validated report left out); every project when `project_ids` is None. Two
    queries."""
    projects = Project.objects.all() if project_ids is None else Project.objects.filter(pk__in=project_ids)
    rows = latest_report_ids(projects, validated=True).values_list("pk", "latest_report")
    latest = {project_id: report_id for project_id, report_id in rows if report_id is not None}
    weathers = dict(FlashReport.objects.filter(pk__in=latest.values()).values_list("pk", "weather"))
    return {project_id: (report_id, weathers[report_id]) for project_id, report_id in latest.items()}


def _stored(project_ids: list[int] | None) -> dict[int, Latest]:
    rows = (
        LatestReport.objects.all()
        if project_ids is None
        else LatestReport.objects.filter(project_id__in=project_ids)
    )
    return {
        project_id: (report_id, weather)
        for project_id, report_id, weather in rows.values_list("project_id", "report_id", "weather")
    }


def latest_reports_refresh(project_ids: Iterable[int] | None = None) -> int:
    """Make the stored rows of these projects (all when None) equal to the live answer; returns how many
    rows were written or deleted."""
    ids = None if project_ids is None else sorted(set(project_ids))
    if ids == []:
        return 0
    with transaction.atomic():
        lock_many(Project, Project.objects.values_list("pk", flat=True) if ids is None else ids, no_key=True)
        live = latest_reports_compute(ids)
        stored = _stored(ids)
        stale = [project_id for project_id, latest in stored.items() if live.get(project_id) != latest]
        if stale:
            LatestReport.objects.filter(project_id__in=stale).delete()
        missing = [
            LatestReport(project_id=project_id, report_id=report_id, weather=weather)
            for project_id, (report_id, weather) in live.items()
            if stored.get(project_id) != (report_id, weather)
        ]
        LatestReport.objects.bulk_create(missing, batch_size=1000)
    return len(stale) + len(missing)


def latest_reports_check() -> list[str]:
    """The differences between the stored rows and the live answer (empty when exact)."""
    live = latest_reports_compute()
    stored = _stored(None)
    return [
        f"project {project_id}: stored {stored.get(project_id)}, live {live.get(project_id)}"
        for project_id in sorted(set(live) | set(stored))
        if live.get(project_id) != stored.get(project_id)
    ]


def on_report_saved(sender, instance: FlashReport, **kwargs) -> None:
    """A report written one by one: refresh its project when the write may change its latest validated
    report (the report is validated, or it is the stored one and is validated no more)."""
    if kwargs.get("raw"):
        return
    if (
        instance.status == FlashReportStatus.VALIDATED
        or LatestReport.objects.filter(report_id=instance.pk).exists()
    ):
        latest_reports_refresh([instance.project_id])


def on_report_deleted(sender, instance: FlashReport, **kwargs) -> None:
    if instance.status == FlashReportStatus.VALIDATED:
        latest_reports_refresh([instance.project_id])
