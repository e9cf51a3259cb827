"""`manage.py bench` on a tiny dataset: it seeds, measures every screen and prints the figures.

No timing is asserted (QUALITY.md: figures belong to benchmarks, never to unit tests).
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portfolio import bench
from portfolio.models import Objective, PortfolioSnapshot, Project, ProjectStatusChange, StrategicAxis, Tag
from portfolio.tests.factories import ProjectFactory
from ppm.models import AuditEntry, Directorate, User

SCREENS = (
    "Portfolio dashboard",
    "Project list, page 1",
    "Project list, filtered",
    "API projects, page of 100",
    "API project detail",
    "Project page with history",
)


def run_bench(*args: str) -> str:
    out = StringIO()
    call_command("bench", "--projects", "20", "--repeat", "2", "--any-database", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bench_seeds_measures_every_screen_and_prints_the_figures():
    text = run_bench()

    assert Project.objects.filter(code__startswith=bench.CODE_PREFIX).count() == 20
    assert PortfolioSnapshot.objects.count() == bench.SNAPSHOT_DAYS
    assert "Dataset: 20 projects, 40 directorates, 200 users" in text
    for label in SCREENS:
        # label | queries | server median | p95 | DB median | exec | ratio | bars | verdict
        row = re.search(
            rf"^{re.escape(label)} +(\d+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+|n/a) +([\d.]+|inf)× +(.+)$",
            text,
            re.MULTILINE,
        )
        assert row, f"no figures for {label}:\n{text}"
        assert int(row.group(1)) > 0
        assert row.group(7).rstrip().endswith("pass") or "OVER:" in row.group(7)
    assert "≤ 1.5 × PostgreSQL; ≤ 20 queries" in text
    assert "p95 ≤ 30 ms; ≤ 12 queries" in text
    assert re.search(r"Screens meeting every bar: \d of 6\.", text)


@pytest.mark.django_db
def test_seeded_history_matches_each_project_status():
    bench.seed(projects=20)

    for project in Project.objects.prefetch_related("status_changes"):
        changes = list(project.status_changes.all())
        assert changes[0].action == "create"
        assert changes[-1].target == project.status
        trail = AuditEntry.objects.filter(object_id=str(project.pk), action=AuditEntry.Action.TRANSITION)
        assert trail.count() == len(changes) - 1
        if project.status not in ("demand", "framing"):
            assert project.manager_id and project.planned_start and project.planned_end
    assert not ProjectStatusChange.objects.filter(at__date__gt=bench.ANCHOR).exists()


def _seeded_rows():
    return (
        list(
            Project.objects.order_by("code").values_list(
                "code", "name", "status", "planned_start", "priority"
            )
        ),
        bench.counts_of_dataset(),
    )


@pytest.mark.django_db
def test_seed_is_deterministic():
    bench.seed(projects=20)
    first = _seeded_rows()
    for model in (AuditEntry, ProjectStatusChange, PortfolioSnapshot, Project, Tag, Objective, StrategicAxis):
        model.objects.all().delete()
    User.objects.all().delete()
    Directorate.objects.all().delete()

    bench.seed(projects=20)

    assert _seeded_rows() == first
    assert first[0][0][0] == f"{bench.CODE_PREFIX}00001"


@pytest.mark.django_db
def test_second_run_at_the_same_size_does_not_seed_again():
    run_bench()
    before = AuditEntry.objects.count()

    assert "Dataset already seeded with 20 projects." in run_bench()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_refuses_a_database_with_data_it_did_not_seed():
    ProjectFactory(code="REAL-1")

    with pytest.raises(CommandError, match="did not seed"):
        run_bench()
    assert not Project.objects.filter(code__startswith=bench.CODE_PREFIX).exists()


@pytest.mark.django_db
def test_needs_postgresql_unless_told_otherwise(monkeypatch):
    # Runs on both test databases: on PostgreSQL, the connection pretends to be another vendor.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "--projects", "20", "--repeat", "2", stdout=StringIO())
