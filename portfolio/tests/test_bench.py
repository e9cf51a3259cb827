"""The portfolio's part of the benchmark (portfolio/bench.py): its seed and its screens."""

import pytest

from portfolio import bench
from portfolio.models import PortfolioSnapshot, Project, ProjectStatusChange
from ppm import bench as core_bench
from ppm.models import AuditEntry, Directorate, User
from ppm.testing import module_data

# The module loads its data once (module_data): its tests stay together on one xdist worker.
pytestmark = pytest.mark.xdist_group("portfolio-bench-seed")

SCREENS = (
    "Portfolio dashboard",
    "Project list, page 1",
    "Project list, filtered",
    "API projects, page of 100",
    "API project detail",
    "Project page with history",
    "Gantt payload, 60 tasks",
    "Task table page (accessible Gantt)",
    "Task board, 30 cards",
    "Task board, 30 cards, swimlanes by assignee",
    "Portfolio board",
)


def seed(projects: int = 20) -> None:
    core_bench.seed_all(projects=projects)


# One seed for the module's tests (each reads it in its own savepoint).
seeded = module_data(seed)


@pytest.mark.django_db
def test_seed_writes_the_portfolio_on_the_core_users(seeded):

    assert bench.seeded_projects() == 20 == core_bench.dataset_size()
    assert PortfolioSnapshot.objects.count() == bench.SNAPSHOT_DAYS
    managers = set(Project.objects.exclude(manager=None).values_list("manager__username", flat=True))
    assert managers and all(name.startswith(core_bench.USER_PREFIX) for name in managers)
    counts = core_bench.counts_of_dataset()
    assert counts["projects"] == 20 and counts["allocations"] > 0
    assert counts["users"] == 200 and counts["directorates"] == 40


@pytest.mark.django_db
def test_screens_cover_the_portfolio_with_quality_bars(seeded):

    screens = bench.screens()

    assert [screen.label for screen in screens] == list(SCREENS)
    assert all(core_bench.QUALITY_BAR in screen.bars for screen in screens[:6])
    # The Gantt payload's bar is the issue's: at most 3× PostgreSQL's time for the same SQL.
    assert "≤ 3× PostgreSQL's time" in [bar.label for bar in screens[6].bars]
    dashboard = screens[0]
    assert "≤ 20 queries" in [bar.label for bar in dashboard.bars]
    api_page = screens[3]
    assert api_page.load_test and "p95 ≤ 30 ms" in [bar.label for bar in api_page.bars]
    showcase = Project.objects.get(pk=bench.showcase_project_id())
    assert showcase.status == "closed"
    assert screens[5].path == f"/projects/{showcase.pk}/"


@pytest.mark.django_db
def test_seeded_history_matches_each_project_status(seeded):

    for project in Project.objects.prefetch_related("status_changes"):
        changes = list(project.status_changes.all())
        assert changes[0].action == "create"
        assert changes[-1].target == project.status
        trail = AuditEntry.objects.filter(object_id=project.pk, action=AuditEntry.Action.TRANSITION)
        assert trail.count() == len(changes) - 1
        if project.status not in ("demand", "framing"):
            assert project.manager_id and project.planned_start and project.planned_end
    assert not ProjectStatusChange.objects.filter(at__date__gt=bench.ANCHOR).exists()


def _seeded_rows():
    return (
        list(
            Project.objects.order_by("code").values_list(
                "code", "name", "status", "planned_start", "priority", "manager__username"
            )
        ),
        core_bench.counts_of_dataset(),
    )


@pytest.mark.django_db
def test_seed_is_deterministic(seeded):
    first = _seeded_rows()
    for model in core_bench.seeded_models()[::-1]:
        model.objects.all().delete()
    User.objects.all().delete()
    Directorate.objects.all().delete()

    seed()

    assert _seeded_rows() == first
    assert first[0][0][0] == f"{bench.CODE_PREFIX}00001"


@pytest.mark.django_db
def test_a_project_it_did_not_seed_is_foreign_data(seeded):
    assert not core_bench.any_foreign_data()

    Project.objects.filter(pk=Project.objects.order_by("pk").first().pk).update(code="REAL-1")

    assert core_bench.any_foreign_data()
