"""Who may change which field of a project: its manager edits the plan (name, description,
objectives, tags); code, directorate, priority, manager and the approved dates are the project office's.
Enforced by the service (403 naming the fields), shown disabled on the page, refused by the API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portfolio.models import Project
from portfolio.permissions import OFFICE_FIELDS, PLAN_FIELDS, editable_project_fields
from portfolio.services import project_update
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, TagFactory
from ppm.services import api_token_create
from ppm.tests.factories import DirectorateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(directorate, manager_user):
    return ProjectFactory(
        code="ERP-2025",
        name="ERP",
        directorate=directorate,
        manager=manager_user,
        priority=3,
        planned_start=datetime.date(2025, 1, 6),
        planned_end=datetime.date(2025, 12, 19),
        tags=[TagFactory(name="cloud")],
    )


def test_editable_fields_per_role(project, manager_user, other_manager, pmo_user, admin_user_, reader_user):
    assert editable_project_fields(manager_user, project) == set(PLAN_FIELDS)
    assert editable_project_fields(pmo_user, project) == set(PLAN_FIELDS) | set(OFFICE_FIELDS)
    assert editable_project_fields(admin_user_, project) == set(PLAN_FIELDS) | set(OFFICE_FIELDS)
    assert editable_project_fields(other_manager, project) == set()
    assert editable_project_fields(reader_user, project) == set()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "ERP-2026"),
        ("priority", 1),
        ("planned_start", datetime.date(2025, 2, 3)),
        ("planned_end", datetime.date(2026, 6, 30)),
    ],
)
def test_manager_may_not_change_office_fields(project, manager_user, field, value):
    with pytest.raises(PermissionDenied) as refused:
        project_update(actor=manager_user, project=project, data={"name": "ERP 2", field: value})
    assert str(Project._meta.get_field(field).verbose_name) in str(refused.value)
    project.refresh_from_db()
    assert project.name == "ERP" and project.version == 1


def test_manager_may_not_move_the_project_or_hand_it_to_someone_else(project, manager_user, reader_user):
    other = DirectorateFactory(code="DRH")
    for data in ({"directorate": other}, {"manager": reader_user}, {"manager": None}):
        with pytest.raises(PermissionDenied):
            project_update(actor=manager_user, project=project, data=data)
    project.refresh_from_db()
    assert project.manager == manager_user and project.directorate.code == "DSI"


def test_manager_changes_the_plan_and_may_resend_unchanged_office_fields(project, manager_user):
    objective = ObjectiveFactory()
    data = {
        "code": " ERP-2025 ",  # unchanged once stripped
        "directorate": project.directorate,
        "manager": project.manager,
        "priority": 3,
        "planned_start": project.planned_start,
        "planned_end": project.planned_end,
        "name": "ERP, phase 2",
        "description": "New scope.",
        "objectives": [objective],
        "tags": ["cloud", "finance"],
    }
    project = project_update(actor=manager_user, project=project, data=data)
    assert project.name == "ERP, phase 2" and project.description == "New scope."
    assert list(project.objectives.all()) == [objective]
    assert sorted(tag.name for tag in project.tags.all()) == ["cloud", "finance"]


def test_project_office_changes_office_fields(project, pmo_user, reader_user):
    project = project_update(actor=pmo_user, project=project, data={"code": "ERP-2026", "priority": 1})
    assert (project.code, project.priority) == ("ERP-2026", 1)


def test_edit_page_disables_office_fields_for_the_manager(client, project, manager_user, pmo_user):
    client.force_login(manager_user)
    form = client.get(reverse("portfolio:project_edit", args=[project.pk])).context["form"]
    assert {name for name, field in form.fields.items() if field.disabled} == set(OFFICE_FIELDS)
    client.force_login(pmo_user)
    form = client.get(reverse("portfolio:project_edit", args=[project.pk])).context["form"]
    assert not any(field.disabled for field in form.fields.values())


def test_edit_page_keeps_office_fields_whatever_the_manager_posts(client, project, manager_user, reader_user):
    client.force_login(manager_user)
    response = client.post(
        reverse("portfolio:project_edit", args=[project.pk]),
        {
            "code": "HACKED",
            "name": "ERP renamed",
            "description": "",
            "directorate": DirectorateFactory(code="DRH").pk,
            "manager": reader_user.pk,
            "planned_start": "2030-01-01",
            "planned_end": "2031-01-01",
            "priority": "1",
            "tags": "cloud",
            "version": project.version,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "ERP renamed"
    assert (project.code, project.directorate.code, project.manager, project.priority) == (
        "ERP-2025",
        "DSI",
        manager_user,
        3,
    )
    assert project.planned_start == datetime.date(2025, 1, 6)


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    _token, raw = api_token_create(user=user, name="fields")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_api_patch_by_the_manager_touching_the_code_is_a_403_naming_it(project, manager_user):
    response = _api(manager_user).patch(
        f"/api/v1/projects/{project.pk}/", {"code": "ERP-2026", "name": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "code" in response.json()["detail"]
    project.refresh_from_db()
    assert (project.code, project.name) == ("ERP-2025", "ERP")


def test_api_patch_by_the_manager_of_plan_fields_and_unchanged_code_succeeds(project, manager_user):
    response = _api(manager_user).patch(
        f"/api/v1/projects/{project.pk}/", {"code": "ERP-2025", "description": "Scope"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Scope"


def test_api_schema_says_which_fields_are_the_project_offices(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "read-only for them" in schema
