"""`load_demo` over every app, loaded once for this module's tests (about 30 s on SQLite) as `make
run` does: the whole portfolio, the logins printed, and a second run that changes nothing. The tests
that need an empty database are in portfolio/tests/test_load_demo.py."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from portfolio import demo_data
from portfolio.demo import synthetic_history
from portfolio.models import Objective, PortfolioSnapshot, Project, ProjectStatusChange, StrategicAxis, Tag
from portfolio.rules import ProjectStatus
from portfolio.selectors import portfolio_counts
from ppm import demo as core_demo
from ppm.demo import DEMO_PASSWORD
from ppm.models import AuditEntry, Directorate
from ppm.roles import Role
from ppm.testing import load_demo, module_data

User = get_user_model()

# The module loads its data once (module_data): its tests stay together on one xdist worker.
pytestmark = [pytest.mark.xdist_group("whole-demo"), pytest.mark.usefixtures("demo_on")]


# The whole demo, loaded once for the tests that read it (about 30 s on SQLite), as `make run` does.
demo_output = module_data(lambda: load_demo(if_empty=True, force=True))


def table_sizes() -> dict:
    models = (
        Project, ProjectStatusChange, StrategicAxis, Objective, Tag, Directorate, User, AuditEntry,
        PortfolioSnapshot,
    )  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_load_demo_builds_the_whole_portfolio(client, demo_output):
    output = demo_output

    assert "69 projects" in output
    assert Project.objects.count() == 69 == len(demo_data.DEMO_PROJECTS)
    assert StrategicAxis.objects.count() == 3
    assert Objective.objects.count() == 6
    assert all(axis.objectives.count() == 2 for axis in StrategicAxis.objects.all())
    assert not Objective.objects.filter(projects__isnull=True).exists()
    assert 15 <= Directorate.objects.count() <= 17
    assert {"DSI", "DRH", "DFIN", "ROUTES", "DAUT", "DEF", "DEC", "DARCH"} <= set(
        Directorate.objects.values_list("code", flat=True)
    )

    # One user per role, the administrator is a superuser, the demo password works.
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    for username in ("pmo", "finances", "comite", "cheffe.projet", "contributeur", "lecteur"):
        assert client.login(username=username, password=DEMO_PASSWORD), username
    assert Project.objects.filter(manager__username="cheffe.projet").count() >= 5

    # Every lifecycle status, about 30 projects running, each project where the data says.
    statuses = dict(Project.objects.values_list("code", "status"))
    assert set(statuses.values()) == set(ProjectStatus.values)
    assert list(statuses.values()).count(ProjectStatus.IN_PROGRESS) == 30
    assert statuses == {spec.code: spec.status for spec in demo_data.DEMO_PROJECTS}
    assert Project.objects.filter(name="Dématérialisation des demandes d'APA").exists()

    # The lifecycle history is real: one row per move, made by the project office or the manager.
    for spec in demo_data.DEMO_PROJECTS:
        changes = list(ProjectStatusChange.objects.filter(project__code=spec.code).order_by("at", "pk"))
        assert [change.action for change in changes] == ["create", *spec.lifecycle], spec.code
        assert changes[-1].target == spec.status
    started = ProjectStatusChange.objects.filter(action="start").select_related("project", "actor")
    assert started.exists()
    assert all(change.actor_id == change.project.manager_id for change in started)
    assert set(
        ProjectStatusChange.objects.filter(action="approve").values_list("actor__username", flat=True)
    ) == {"pmo"}
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, content_type__model="project").count()
        == 69
    )
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.TRANSITION, content_type__model="project"
    ).count() == sum(len(spec.lifecycle) for spec in demo_data.DEMO_PROJECTS)

    # Snapshots: a real one today, and a deterministic synthetic trend before it.
    today = timezone.localdate()
    assert PortfolioSnapshot.objects.count() == demo_data.DEMO_SNAPSHOT_DAYS + 1
    latest = PortfolioSnapshot.objects.get(day=today)
    counts = portfolio_counts()
    assert (latest.total, latest.by_status, latest.by_objective) == (
        counts["total"], counts["by_status"], counts["by_objective"],
    )  # fmt: skip
    past = list(PortfolioSnapshot.objects.exclude(day=today).order_by("day"))
    assert all(sum(snapshot.by_status.values()) == snapshot.total for snapshot in past)
    assert past[0].by_status["in_progress"] < latest.by_status["in_progress"]
    expected = synthetic_history(today=today, days=demo_data.DEMO_SNAPSHOT_DAYS, seed=demo_data.DEMO_SEED)
    assert [(s.day, s.total, s.by_status, s.by_objective) for s in past] == [
        (day, c["total"], c["by_status"], c["by_objective"]) for day, c in expected
    ]


@pytest.mark.django_db
def test_load_demo_prints_the_logins_once_the_accounts_are_created(demo_output):
    assert "Demo logins: admin, pmo" in demo_output
    assert f"password: {DEMO_PASSWORD}" in demo_output
    assert (
        f"{len(core_demo.DEMO_DIRECTORATES)} directorates, {len(core_demo.DEMO_USERS)} users" in demo_output
    )


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing_and_keeps_existing_accounts(demo_output):
    # An account of a demo login that its owner changed since (password, role) is theirs: kept as is.
    own = User.objects.get(username="lecteur")
    own.set_password("my-own-password-1")
    own.role = Role.PROJECT_OFFICE
    own.save()
    sizes = table_sizes()
    snapshot_times = list(PortfolioSnapshot.objects.order_by("day").values_list("taken_at", flat=True))
    versions = dict(Project.objects.values_list("code", "version"))

    output = load_demo()

    assert "nothing to do" in output and "Demo logins" not in output
    assert table_sizes() == sizes
    assert (
        list(PortfolioSnapshot.objects.order_by("day").values_list("taken_at", flat=True)) == snapshot_times
    )
    assert dict(Project.objects.values_list("code", "version")) == versions
    own.refresh_from_db()
    assert own.check_password("my-own-password-1")
    assert own.role == Role.PROJECT_OFFICE


@pytest.mark.django_db
def test_the_flash_reports_carry_open_risks_over_and_one_project_is_stormy(demo_output):
    from governance.models import FlashReport, FlashReportItem, FlashReportStatus, ItemKind, ItemStatus

    validated = FlashReport.objects.filter(status=FlashReportStatus.VALIDATED)
    assert validated.values("project").distinct().count() >= 25
    assert validated.filter(weather="stormy").values("project").distinct().count() == 1
    assert FlashReport.objects.filter(status=FlashReportStatus.RETURNED).exclude(return_comment="").exists()
    # A risk open in a report and still there in the next is the same risk, carried over.
    carried = FlashReportItem.objects.filter(kind=ItemKind.RISK, carried_from__isnull=False).select_related(
        "report__period", "carried_from__report__period"
    )
    assert carried.exists()
    for item in carried:
        earlier = item.carried_from
        assert earlier.status == ItemStatus.OPEN and earlier.text == item.text
        assert earlier.report.project_id == item.report.project_id
        assert earlier.report.period.end < item.report.period.start
    # Only open risks are carried: a risk opened again after being closed starts afresh.
    first_open = FlashReportItem.objects.filter(
        kind=ItemKind.RISK, status=ItemStatus.OPEN, carried_from__isnull=True
    )
    assert first_open.exists()
