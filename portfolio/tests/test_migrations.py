"""Migration 0003 fills the new columns of existing projects (both databases)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("portfolio", "0002_nightly_portfolio_snapshot_schedule")]
AFTER = [("portfolio", "0003_core_lifecycle_limits_search")]


@pytest.mark.django_db(transaction=True)
def test_0003_fills_search_text_and_where_reopening_leads():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        directorate = apps.get_model("ppm", "Directorate").objects.create(code="D", name="D")
        Project = apps.get_model("portfolio", "Project")
        Change = apps.get_model("portfolio", "ProjectStatusChange")
        open_one = Project.objects.create(
            code="DEM-1", name="Dématérialisation", description="Œuvre", directorate=directorate
        )
        closed = Project.objects.create(code="CLO-1", name="Closed", directorate=directorate, status="closed")
        for source, target in [
            ("", "demand"),
            ("demand", "framing"),
            ("framing", "approved"),
            ("approved", "in_progress"),
            ("in_progress", "on_hold"),
            ("on_hold", "closed"),
        ]:
            Change.objects.create(project=closed, source=source, target=target, action="x")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        Project = apps.get_model("portfolio", "Project")
        assert Project.objects.get(pk=open_one.pk).search_text == "dem-1 dematerialisation oeuvre"
        assert Project.objects.get(pk=open_one.pk).status_before_end == ""
        assert Project.objects.get(pk=closed.pk).status_before_end == "in_progress"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
