"""The workload plan's services: ratio maths, spreads, staffing, proposal from the schedule, bulk writes,
concurrency tokens and audit."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from portfolio.models import Project
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainValidationError, StaleVersionError
from ppm.models import AuditEntry
from ppm.roles import Role
from ppm.tests.factories import UserFactory
from resources import workload
from resources.models import Allocation, AllocationSource, Profile, RatioTemplateLine
from resources.tests.factories import (
    AllocationFactory,
    ExternalResourceFactory,
    PersonWithAccountFactory,
    ProfileFactory,
    RatioTemplateFactory,
    ResourceFactory,
)
from resources.workload_selectors import plan_propose_from_tasks, project_workload_grid

pytestmark = pytest.mark.django_db

D = Decimal
MARCH_2025 = datetime.date(2025, 3, 1)
JUNE_2026 = datetime.date(2026, 6, 1)


@pytest.fixture
def pmo():
    return UserFactory(role=Role.PROJECT_OFFICE)


@pytest.fixture
def project():
    return ProjectFactory(planned_start=datetime.date(2025, 3, 3), planned_end=datetime.date(2026, 6, 30))


def _by_family(project):
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for allocation in Allocation.objects.filter(project=project):
        totals[allocation.family] += allocation.days
    return dict(totals)


def test_distribute_is_exact_to_the_cent():
    parts = workload.distribute(D("100"), [1, 1, 1])
    assert parts == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(workload.distribute(D("200"), [21, 20, 22, 19, 0, 23])) == D("200")
    assert workload.distribute(D("10"), [0, 0]) == [D("5"), D("5")]


@pytest.mark.parametrize("spread", ["even", "schedule"])
def test_200_moe_days_give_200_moa_and_100_amoa(pmo, project, spread):
    template = RatioTemplateFactory()
    if spread == "schedule":
        # Work only in 2025: a phase of leaf tasks from April to September.
        parent = Task.objects.create(project=project, name="Phase 1", is_summary=True)
        Task.objects.create(
            project=project,
            parent=parent,
            name="Build",
            start=datetime.date(2025, 4, 1),
            finish=datetime.date(2025, 9, 30),
            duration=120,
        )
    workload.ratio_template_apply(
        actor=pmo,
        project=project,
        template=template,
        estimate_days=D("200"),
        start_month=MARCH_2025,
        end_month=JUNE_2026,
        spread=spread,
    )
    assert _by_family(project) == {"moe": D("200.00"), "moa": D("200.00"), "amoa": D("100.00")}
    rows = Allocation.objects.filter(project=project, family="moe").order_by("period_start")
    months = [row.period_start for row in rows]
    assert all(row.source == AllocationSource.TEMPLATE and row.template_days == row.days for row in rows)
    assert all(row.days == row.days.quantize(D("0.01")) for row in rows)
    if spread == "even":
        assert months[0] == MARCH_2025 and months[-1] == JUNE_2026 and len(months) == 16
        # Spread by working days: May 2025 (holidays) gets less than a full month like July 2025.
        by_month = {row.period_start: row.days for row in rows}
        assert by_month[datetime.date(2025, 5, 1)] < by_month[datetime.date(2025, 7, 1)]
    else:
        assert months[0] == datetime.date(2025, 4, 1) and months[-1] == datetime.date(2025, 9, 1)


def test_schedule_spread_falls_back_to_even_without_a_schedule(pmo, project):
    workload.ratio_template_apply(
        actor=pmo,
        project=project,
        template=RatioTemplateFactory(),
        estimate_days=D("160"),
        start_month=MARCH_2025,
        end_month=JUNE_2026,
        spread="schedule",
    )
    assert Allocation.objects.filter(project=project, family="moe").count() == 16


def test_outsourced_share_becomes_external_rows_and_reapplying_replaces_generic_rows(pmo, project):
    template = RatioTemplateFactory(lines=[("moe", "1"), ("amoa", "0.5")])
    RatioTemplateLine.objects.filter(template=template, family="amoa").update(external_share=D("60"))
    apply = dict(actor=pmo, project=project, template=template, start_month=MARCH_2025, end_month=MARCH_2025)
    workload.ratio_template_apply(estimate_days=D("20"), **apply)
    amoa = {a.is_external: a.days for a in Allocation.objects.filter(project=project, family="amoa")}
    assert amoa == {False: D("4.00"), True: D("6.00")}
    workload.ratio_template_apply(estimate_days=D("10"), **apply)
    assert _by_family(project) == {"moe": D("10.00"), "amoa": D("5.00")}


def test_an_edited_cell_keeps_template_days_and_deviates(pmo, project):
    template = RatioTemplateFactory()
    workload.ratio_template_apply(
        actor=pmo,
        project=project,
        template=template,
        estimate_days=D("10"),
        start_month=MARCH_2025,
        end_month=MARCH_2025,
    )
    cell = Allocation.objects.get(project=project, family="moa")
    edited = workload.allocation_cell_set(
        actor=pmo,
        project=project,
        family="moa",
        period_start=MARCH_2025,
        days="12.5",
        expected_version=cell.version,
    )
    assert edited.days == D("12.5") and edited.template_days == D("10.00") and edited.deviates
    grid = project_workload_grid(project, start=MARCH_2025, months=3)
    moa = next(f for f in grid["families"] if f["family"] == "moa")
    assert moa["deviations"] == 1 and moa["rows"][0]["cells"][0]["deviates"]


def test_staffing_keeps_the_totals_and_refuses_more_than_the_demand(pmo, project):
    template = RatioTemplateFactory()
    workload.ratio_template_apply(
        actor=pmo,
        project=project,
        template=template,
        estimate_days=D("20"),
        start_month=MARCH_2025,
        end_month=datetime.date(2025, 5, 1),
    )
    before = _by_family(project)
    developer = ResourceFactory(primary_profile=ProfileFactory(code="MOE-DEV", family="moe"))
    workload.allocation_staff(
        actor=pmo,
        project=project,
        family="moe",
        start_month=MARCH_2025,
        end_month=datetime.date(2025, 4, 1),
        assignments=[workload.Assignment(developer, days=D("3"))],
    )
    assert _by_family(project) == before
    named = Allocation.objects.filter(project=project, resource=developer)
    assert sorted(a.days for a in named) == [D("3"), D("3")]
    generic = Allocation.objects.get(project=project, family="moe", resource=None, period_start=MARCH_2025)
    assert not generic.deviates, "staffing is not a deviation from the template"
    with pytest.raises(DomainValidationError) as error:
        workload.allocation_staff(
            actor=pmo,
            project=project,
            family="moe",
            start_month=MARCH_2025,
            end_month=MARCH_2025,
            assignments=[workload.Assignment(developer, days=D("100"))],
        )
    assert "03/2025" in str(error.value)
    assert _by_family(project) == before
    # An external consultant takes outsourced demand only: there is none.
    consultant = ExternalResourceFactory(primary_profile=developer.primary_profile)
    with pytest.raises(DomainValidationError):
        workload.allocation_staff(
            actor=pmo,
            project=project,
            family="moe",
            start_month=MARCH_2025,
            end_month=MARCH_2025,
            assignments=[workload.Assignment(consultant, share=D("0.5"))],
        )
    # Re-applying the template keeps the staffed rows and deducts them from the generic demand.
    workload.ratio_template_apply(
        actor=pmo,
        project=project,
        template=template,
        estimate_days=D("20"),
        start_month=MARCH_2025,
        end_month=datetime.date(2025, 5, 1),
    )
    assert _by_family(project) == before
    assert named.count() == 2


def test_proposal_from_tasks_and_reconcile(pmo, project):
    person = PersonWithAccountFactory(primary_profile=ProfileFactory(code="AMOA-ANA", family="amoa"))
    nobody = UserFactory()
    Task.objects.create(
        project=project,
        name="Analyse",
        assignee=person.user,
        estimate_days=D("10"),
        start=datetime.date(2025, 3, 24),
        finish=datetime.date(2025, 4, 4),
        duration=10,
    )
    Task.objects.create(
        project=project,
        name="Recette",
        assignee=person.user,
        start=datetime.date(2025, 5, 5),
        finish=datetime.date(2025, 5, 7),
        duration=3,
    )
    Task.objects.create(
        project=project,
        name="Unassigned",
        assignee=nobody,
        estimate_days=D("5"),
        start=datetime.date(2025, 5, 5),
        finish=datetime.date(2025, 5, 7),
        duration=3,
    )
    proposal = plan_propose_from_tasks(project)
    assert proposal["skipped"] == ["Unassigned"]
    rows = {(r["family"], r["period_start"]): r["days"] for r in proposal["rows"]}
    # 10 days over 10 working days: 6 in March (24–31), 4 in April (1–4); 3 days by duration in May.
    assert rows == {
        ("amoa", MARCH_2025): D("6.00"),
        ("amoa", datetime.date(2025, 4, 1)): D("4.00"),
        ("amoa", datetime.date(2025, 5, 1)): D("3.00"),
    }
    workload.plan_reconcile(actor=pmo, project=project, accept=["moe"])
    assert not Allocation.objects.filter(project=project).exists()
    workload.plan_reconcile(actor=pmo, project=project, accept="all")
    assert _by_family(project) == {"amoa": D("13.00")}
    assert set(Allocation.objects.values_list("source", flat=True)) == {AllocationSource.TASKS}


def test_bulk_replace_is_all_or_nothing_with_every_bad_row(pmo, project):
    AllocationFactory(project=project, family="moe", period_start=MARCH_2025, days=D("4"))
    etag = workload.plan_etag(project)
    profile = ProfileFactory(code="MOA-CP", family="moa")
    rows = [
        {"family": "moe", "period_start": MARCH_2025, "days": "5"},
        {"family": "xx", "period_start": MARCH_2025, "days": "1"},
        {"family": "moe", "period_start": datetime.date(2025, 3, 2), "days": "-1"},
        {"family": "moe", "profile": profile, "period_start": MARCH_2025, "days": "1"},
        {"family": "moe", "period_start": MARCH_2025, "days": "2"},
    ]
    with pytest.raises(workload.PlanRowsError) as error:
        workload.allocation_plan_replace(actor=pmo, project=project, rows=rows, expected_plan_etag=etag)
    problems = {(p["index"], p["field"]) for p in error.value.rows}
    assert problems == {(1, "family"), (2, "period_start"), (2, "days"), (3, "profile"), (4, "period_start")}
    assert Allocation.objects.get(project=project).days == D("4")
    written = workload.allocation_plan_replace(
        actor=pmo,
        project=project,
        rows=[rows[0], {"family": "moa", "period_start": MARCH_2025, "days": "3"}],
        expected_plan_etag=etag,
    )
    assert len(written) == 2 and _by_family(project) == {"moe": D("5"), "moa": D("3")}
    with pytest.raises(workload.StalePlanError) as stale:
        workload.allocation_plan_replace(actor=pmo, project=project, rows=[], expected_plan_etag=etag)
    assert stale.value.status == 412 and stale.value.current_etag == workload.plan_etag(project)


def test_cell_conflict_and_audit_under_the_project(pmo, project):
    cell = workload.allocation_cell_set(
        actor=pmo, project=project, family="moe", period_start=MARCH_2025, days="2", expected_version=0
    )
    with pytest.raises(StaleVersionError):
        workload.allocation_cell_set(
            actor=pmo, project=project, family="moe", period_start=MARCH_2025, days="3", expected_version=0
        )
    workload.allocation_cell_set(
        actor=pmo,
        project=project,
        family="moe",
        period_start=MARCH_2025,
        days="3",
        expected_version=cell.version,
    )
    workload.allocation_cell_set(actor=pmo, project=project, family="moe", period_start=MARCH_2025, days="0")
    assert not Allocation.objects.filter(project=project).exists()
    actions = [
        e.action
        for e in audit_entries_for(project)
        if e.content_type == ContentType.objects.get_for_model(Allocation)
    ]
    assert actions == [AuditEntry.Action.DELETE, AuditEntry.Action.UPDATE, AuditEntry.Action.CREATE]
    version = Project.objects.get(pk=project.pk).version
    assert version == project.version, "plan edits never bump the project's version"


def test_only_the_project_office_and_the_manager_edit_the_plan(project):
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    other = UserFactory(role=Role.PROJECT_MANAGER)
    project.manager = manager
    project.save()
    workload.allocation_cell_set(
        actor=manager, project=project, family="moe", period_start=MARCH_2025, days="1"
    )
    with pytest.raises(PermissionDenied):
        workload.allocation_cell_set(
            actor=other, project=project, family="moe", period_start=MARCH_2025, days="2"
        )


def test_ratio_template_crud_validates_lines(pmo):
    moa = Profile.objects.get(code="MOA-CP")
    with pytest.raises(DomainValidationError) as error:
        workload.ratio_template_create(
            actor=pmo,
            name="Bad",
            lines=[{"family": "moe", "profile": moa, "ratio": "1"}, {"family": "moa", "ratio": "-1"}],
        )
    assert len(error.value.field_errors["lines"]) == 2
    template = workload.ratio_template_create(
        actor=pmo,
        name="Light",
        lines=[{"family": "moe", "ratio": "1"}, {"family": "amoa", "ratio": "0.25", "external_share": "100"}],
    )
    assert template.lines.count() == 2
    workload.ratio_template_update(
        actor=pmo,
        template=template,
        data={"name": "Lighter"},
        lines=[{"family": "moe", "ratio": "1"}],
        expected_version=template.version,
    )
    template.refresh_from_db()
    assert template.name == "Lighter" and template.lines.count() == 1
    with pytest.raises(StaleVersionError):
        workload.ratio_template_update(actor=pmo, template=template, data={"name": "X"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        workload.ratio_template_create(
            actor=UserFactory(role=Role.PROJECT_MANAGER), name="No", lines=[{"family": "moe", "ratio": "1"}]
        )
