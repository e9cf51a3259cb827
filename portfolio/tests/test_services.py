import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portfolio.models import PortfolioSnapshot, Project, ProjectStatusChange
from portfolio.rules import ProjectStatus
from portfolio.services import (
    portfolio_snapshot_take,
    project_create,
    project_transition,
    project_update,
)
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainValidationError, StaleVersionError
from ppm.exceptions import IllegalTransitionError as TransitionError
from ppm.models import AuditEntry

pytestmark = pytest.mark.django_db


def create(actor, directorate, **kwargs):
    defaults = {"code": "DEM-001", "name": "Portail usagers", "directorate": directorate}
    return project_create(actor=actor, **{**defaults, **kwargs})


def test_create_records_status_history_and_audit(pmo_user, directorate, manager_user):
    objective = ObjectiveFactory()
    project = create(
        pmo_user,
        directorate,
        manager=manager_user,
        objectives=[objective],
        tags=[" e-admin ", "", "GED"],
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2025, 12, 31),
    )
    assert project.status == ProjectStatus.DEMAND
    assert sorted(project.tags.values_list("name", flat=True)) == ["GED", "e-admin"]
    assert list(project.objectives.all()) == [objective]
    assert [(c.source, c.target) for c in project.status_changes.all()] == [("", "demand")]
    entry = audit_entries_for(project).get()
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == pmo_user
    assert entry.changes["name"]["new"] == "Portail usagers"
    assert entry.changes["manager"]["new"] == str(manager_user)


@pytest.mark.parametrize(
    "role_fixture", ["manager_user", "reader_user", "committee_user", "contributor_user"]
)
def test_only_editors_create(request, role_fixture, directorate):
    with pytest.raises(PermissionDenied):
        create(request.getfixturevalue(role_fixture), directorate)
    assert not Project.objects.exists()


def test_create_validates_code_and_dates(pmo_user, directorate):
    with pytest.raises(ValidationError) as error:
        create(
            pmo_user,
            directorate,
            code="bad code!",
            planned_start=datetime.date(2025, 5, 1),
            planned_end=datetime.date(2025, 1, 1),
        )
    assert "code" in error.value.message_dict
    assert not Project.objects.exists()


def test_duplicate_code_is_a_validation_error(pmo_user, directorate):
    create(pmo_user, directorate)
    with pytest.raises(ValidationError) as error:
        create(pmo_user, directorate)
    assert "code" in error.value.message_dict


def test_update_audits_each_changed_field_and_bumps_version(pmo_user, directorate):
    project = create(pmo_user, directorate)
    project = project_update(
        actor=pmo_user,
        project=project,
        data={"name": "Portail usagers v2", "priority": 1, "tags": ["a"]},
        expected_version=1,
    )
    assert project.version == 2
    entry = audit_entries_for(project).first()
    assert entry.action == AuditEntry.Action.UPDATE
    assert set(entry.changes) == {"name", "priority", "tags"}
    assert entry.changes["name"] == {"label": "name", "old": "Portail usagers", "new": "Portail usagers v2"}


def test_update_without_change_writes_nothing(pmo_user, directorate):
    project = create(pmo_user, directorate)
    project_update(actor=pmo_user, project=project, data={"name": "Portail usagers"})
    project.refresh_from_db()
    assert project.version == 1
    assert audit_entries_for(project).count() == 1


def test_stale_version_is_refused_and_nothing_changes(pmo_user, directorate):
    project = create(pmo_user, directorate)
    project_update(actor=pmo_user, project=project, data={"name": "First"}, expected_version=1)
    with pytest.raises(StaleVersionError) as error:
        project_update(actor=pmo_user, project=project, data={"name": "Second"}, expected_version=1)
    assert error.value.current_version == 2
    project.refresh_from_db()
    assert project.name == "First"


def test_manager_edits_own_project_only(manager_user, other_manager, directorate):
    own = ProjectFactory(manager=manager_user, directorate=directorate)
    other = ProjectFactory(manager=other_manager, directorate=directorate)
    project_update(actor=manager_user, project=own, data={"name": "Mine"})
    with pytest.raises(PermissionDenied):
        project_update(actor=manager_user, project=other, data={"name": "Not mine"})
    other.refresh_from_db()
    assert other.name != "Not mine"


def test_update_cannot_remove_manager_of_approved_project(pmo_user, manager_user, directorate):
    project = ProjectFactory(manager=manager_user, status=ProjectStatus.APPROVED, directorate=directorate)
    with pytest.raises(ValidationError, match="project manager"):
        project_update(actor=pmo_user, project=project, data={"manager": None})
    project.refresh_from_db()
    assert project.manager == manager_user


def test_unknown_field_refused(pmo_user, directorate):
    project = create(pmo_user, directorate)
    with pytest.raises(ValidationError, match="Unknown fields: status"):
        project_update(actor=pmo_user, project=project, data={"status": "closed"})


def test_full_lifecycle_is_recorded(pmo_user, manager_user, directorate):
    project = create(
        pmo_user,
        directorate,
        manager=manager_user,
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2025, 12, 31),
    )
    for action in ("start_framing", "approve", "start", "put_on_hold", "resume", "close"):
        project = project_transition(actor=pmo_user, project=project, action=action, comment=f"via {action}")
    assert project.status == ProjectStatus.CLOSED
    assert project.version == 7
    history = list(project.status_changes.values_list("source", "target"))
    assert history == [
        ("", "demand"),
        ("demand", "framing"),
        ("framing", "approved"),
        ("approved", "in_progress"),
        ("in_progress", "on_hold"),
        ("on_hold", "in_progress"),
        ("in_progress", "closed"),
    ]
    assert audit_entries_for(project).filter(action=AuditEntry.Action.TRANSITION).count() == 6


def test_refused_transition_changes_nothing(pmo_user, directorate):
    project = ProjectFactory(status=ProjectStatus.FRAMING, manager=None, directorate=directorate)
    with pytest.raises(TransitionError, match="project manager"):
        project_transition(actor=pmo_user, project=project, action="approve")
    project.refresh_from_db()
    assert project.status == ProjectStatus.FRAMING
    assert not ProjectStatusChange.objects.filter(project=project).exists()
    assert not audit_entries_for(project).exists()


def test_reader_cannot_transition(reader_user, directorate):
    project = ProjectFactory(directorate=directorate)
    with pytest.raises(PermissionDenied):
        project_transition(actor=reader_user, project=project, action="start_framing")


def test_snapshot_counts_and_is_idempotent_per_day(directorate):
    objective = ObjectiveFactory(code="OBJ-A")
    ProjectFactory.create_batch(
        2, status=ProjectStatus.IN_PROGRESS, objectives=[objective], directorate=directorate
    )
    ProjectFactory(status=ProjectStatus.DEMAND, directorate=directorate)
    day = datetime.date(2026, 11, 23)
    snapshot = portfolio_snapshot_take(day=day)
    assert snapshot.total == 3
    assert snapshot.by_status["in_progress"] == 2
    assert snapshot.by_status["closed"] == 0
    assert snapshot.by_objective == {"OBJ-A": 2}
    ProjectFactory(directorate=directorate)
    portfolio_snapshot_take(day=day)
    assert PortfolioSnapshot.objects.get(day=day).total == 4
    assert PortfolioSnapshot.objects.count() == 1


# ---------------------------------------------------------------------- lifecycle changes of issue 5


def planned_project(pmo_user, directorate, manager_user, **kwargs):
    return create(
        pmo_user,
        directorate,
        manager=manager_user,
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2025, 12, 31),
        **kwargs,
    )


def test_a_turned_down_demand_ends_not_retained(pmo_user, directorate):
    project = create(pmo_user, directorate)
    project = project_transition(actor=pmo_user, project=project, action="start_framing")
    project = project_transition(actor=pmo_user, project=project, action="not_retain", comment="Committee 4")
    assert project.status == ProjectStatus.NOT_RETAINED
    assert project.status_before_end == ProjectStatus.FRAMING


def test_the_project_office_reopens_a_closed_project_with_a_reason(pmo_user, manager_user, directorate):
    project = planned_project(pmo_user, directorate, manager_user)
    for action in ("start_framing", "approve", "start", "close"):
        project = project_transition(actor=pmo_user, project=project, action=action)
    with pytest.raises(DomainValidationError):
        project_transition(actor=pmo_user, project=project, action="reopen", comment="")
    with pytest.raises(PermissionDenied):  # the manager may move their project, but not reopen it
        project_transition(actor=manager_user, project=project, action="reopen", comment="Please")
    project = project_transition(actor=pmo_user, project=project, action="reopen", comment="Closed too early")
    assert project.status == ProjectStatus.IN_PROGRESS
    assert project.status_before_end == ""
    change = project.status_changes.last()
    assert (change.action, change.source, change.target, change.comment) == (
        "reopen",
        "closed",
        "in_progress",
        "Closed too early",
    )


def test_abandoning_from_hold_reopens_to_the_status_before_the_hold(pmo_user, manager_user, directorate):
    project = planned_project(pmo_user, directorate, manager_user)
    for action in ("start_framing", "approve", "put_on_hold", "cancel"):
        project = project_transition(actor=pmo_user, project=project, action=action)
    assert project.status == ProjectStatus.CANCELLED
    project = project_transition(actor=pmo_user, project=project, action="reopen", comment="Funded again")
    assert project.status == ProjectStatus.APPROVED


def test_transition_stale_version_is_refused(pmo_user, directorate):
    project = create(pmo_user, directorate)
    with pytest.raises(StaleVersionError) as error:
        project_transition(actor=pmo_user, project=project, action="start_framing", expected_version=7)
    assert (error.value.status, error.value.current_version) == (412, 1)


# -------------------------------------------------------------------------------- rules once


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("description", "x" * 20_001, "at most 20000 characters"),
        ("name", "n" * 201, "at most 200 characters"),
        ("code", "bad code", "letters digits"),
        ("tags", [f"t{n}" for n in range(21)], "At most 20 tags"),
        ("tags", ["x" * 51], "at most 50 characters"),
        ("planned_start", datetime.date(1, 1, 1), "between 1900 and 2200"),
        ("planned_end", datetime.date(9999, 12, 31), "between 1900 and 2200"),
    ],
)
def test_the_service_enforces_the_limits(pmo_user, directorate, field, value, fragment):
    with pytest.raises(ValidationError) as error:
        create(pmo_user, directorate, **{field: value})
    messages = " ".join(error.value.message_dict.get(field, []))
    assert fragment in messages.replace(",", "").replace(" ", ""), error.value.message_dict
    assert not Project.objects.exists()


def test_the_service_refuses_a_plan_over_thirty_years(pmo_user, directorate):
    project = create(pmo_user, directorate)
    with pytest.raises(DomainValidationError) as error:
        project_update(
            actor=pmo_user,
            project=project,
            data={"planned_start": datetime.date(2025, 1, 1), "planned_end": datetime.date(2060, 1, 1)},
        )
    assert "at most 30 years" in error.value.message_dict["planned_end"][0]
    project.refresh_from_db()
    assert project.planned_end is None and project.version == 1


def test_search_text_is_kept_by_the_service(pmo_user, directorate):
    project = create(pmo_user, directorate, name="Dématérialisation des Œuvres", description="Élan")
    assert project.search_text == "dem-001 dematerialisation des oeuvres elan"
    project = project_update(actor=pmo_user, project=project, data={"name": "Guichet unique"})
    project.refresh_from_db()
    assert project.search_text == "dem-001 guichet unique elan"


@pytest.mark.parametrize("role", ["reader", "committee", "contributor", "finance"])
def test_a_role_that_does_not_manage_projects_cannot_be_named_manager(pmo_user, directorate, role):
    from ppm.tests.factories import UserFactory

    someone = UserFactory(username=f"someone-{role}", role=role)
    with pytest.raises(DomainValidationError) as raised:
        create(pmo_user, directorate, manager=someone)
    assert "manager" in raised.value.field_errors
    project = create(pmo_user, directorate, code="OK-1")
    with pytest.raises(DomainValidationError):
        project_update(actor=pmo_user, project=project, data={"manager": someone})
    project.refresh_from_db()
    assert project.manager_id is None


def test_a_manager_named_before_the_rule_stays_when_other_fields_change(pmo_user, directorate):
    from ppm.tests.factories import UserFactory

    reader = UserFactory(username="legacy-reader", role="reader")
    project = ProjectFactory(directorate=directorate, manager=reader)
    project_update(actor=pmo_user, project=project, data={"name": "Renamed"})
    project.refresh_from_db()
    assert project.name == "Renamed" and project.manager_id == reader.pk
