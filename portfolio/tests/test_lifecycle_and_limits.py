"""Issue 5 on the project's pages and API: not retained, reopening, confirmation of irreversible moves,
limits and date rules enforced alike by page, API and service, the paginated history, the search."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.services import project_transition
from portfolio.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
S = ProjectStatus


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def move(user, project, action, **body):
    return api(user).post(
        f"/api/v1/projects/{project.pk}/transition/", {"action": action, **body}, format="json"
    )


@pytest.fixture
def running(directorate, manager_user):
    return ProjectFactory(code="RUN-1", directorate=directorate, manager=manager_user, status=S.IN_PROGRESS)


# ------------------------------------------------------------------------------------------ API


def test_the_committee_turning_down_a_demand_is_not_retained(pmo_user, directorate):
    project = ProjectFactory(directorate=directorate, status=S.FRAMING)
    response = move(pmo_user, project, "not_retain", comment="Committee of 4 May")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["status_label"]) == ("not_retained", "Not retained")
    assert response.data["allowed_transitions"] == ["reopen"]


def test_reopen_through_the_api(pmo_user, manager_user, running):
    project_transition(actor=pmo_user, project=running, action="close")
    refused = move(pmo_user, running, "reopen")
    assert refused.status_code == 400 and "comment" in refused.data
    assert move(manager_user, running, "reopen", comment="Please").status_code == 403
    response = move(pmo_user, running, "reopen", comment="Closed by mistake")
    assert response.status_code == 200
    assert response.data["status"] == "in_progress"


def test_an_illegal_move_is_409_with_a_stable_code(pmo_user, running):
    response = move(pmo_user, running, "approve")
    assert response.status_code == 409
    assert response.data["code"] == "illegal_transition"
    assert response.data["detail"] == "“Approve” is not possible from the status “In progress”."


def test_history_is_paginated_like_other_lists(pmo_user, reader_user, running):
    for name in ("One", "Two", "Three"):
        api(pmo_user).patch(f"/api/v1/projects/{running.pk}/", {"name": name}, format="json")
    response = api(reader_user).get(f"/api/v1/projects/{running.pk}/history/", {"page_size": 2})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]
    assert data["results"][0]["changes"]["name"]["new"] == "Three"
    assert data["results"][0]["object_type"] == "project" and data["results"][0]["object_id"] == running.pk
    second = api(reader_user).get(data["next"]).json()
    assert [entry["changes"]["name"]["new"] for entry in second["results"]] == ["One"]
    assert api(reader_user).get(f"/api/v1/projects/{running.pk}/history/", {"page": 9}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"planned_start": "0001-01-01"}, "planned_start"),
        ({"planned_end": "9999-12-31"}, "planned_end"),
        ({"planned_start": "2025-01-01", "planned_end": "2070-01-01"}, "planned_end"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
    ],
)
def test_the_api_refuses_what_the_rules_refuse(pmo_user, running, body, field):
    response = api(pmo_user).patch(f"/api/v1/projects/{running.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    running.refresh_from_db()
    assert running.version == 1


# ---------------------------------------------------------------------------------------- pages


def page(client, user, project) -> str:
    client.force_login(user)
    return client.get(reverse("portfolio:project_detail", args=[project.pk])).content.decode()


def test_close_is_not_the_primary_action_and_asks_for_confirmation(client, manager_user, running):
    html = page(client, manager_user, running)
    assert (
        'class="button button--primary"' not in html.split('id="lifecycle-title"')[1].split("</section>")[0]
    )
    for action in ("close", "cancel"):
        confirm = re.search(
            rf'<details class="confirm-move" data-move="{action}">(.*?)</details>', html, re.S
        )
        assert confirm, f"{action} is behind a confirmation step"
        assert f'name="action" value="{action}"' in confirm.group(1)
    assert "Abandon this project?" in html
    assert ">Abandon</summary>" in html and ">Cancel<" not in html


def test_the_project_office_sees_reopen_with_a_required_reason(client, pmo_user, manager_user, running):
    project_transition(actor=pmo_user, project=running, action="close")
    assert 'data-move="reopen"' not in page(client, manager_user, running)
    html = page(client, pmo_user, running)
    reopen = re.search(r'<details class="confirm-move" data-move="reopen">(.*?)</details>', html, re.S).group(
        1
    )
    assert re.search(r'<textarea[^>]*name="comment"[^>]*required', reopen)


def test_reopen_without_a_reason_through_the_page_says_why(client, pmo_user, running):
    project = project_transition(actor=pmo_user, project=running, action="close")
    client.force_login(pmo_user)
    response = client.post(
        reverse("portfolio:project_transition", args=[project.pk]),
        {"action": "reopen", "version": project.version, "comment": ""},
        follow=True,
    )
    assert "Give the reason for “Reopen”." in response.content.decode()
    project.refresh_from_db()
    assert project.status == S.CLOSED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "x" * 1_000_000}, "description", "at most 20000 characters"),
        ({"planned_start": "0001-01-01"}, "planned_start", "between 1900 and 2200"),
        ({"planned_end": "9999-12-31"}, "planned_end", "between 1900 and 2200"),
        ({"planned_end": "2070-01-01"}, "planned_end", "at most 30 years"),
        ({"tags": ", ".join(f"t{n}" for n in range(21))}, "tags", "At most 20 tags"),
    ],
)
def test_the_page_refuses_what_the_api_refuses(client, pmo_user, directorate, overrides, field, message):
    client.force_login(pmo_user)
    data = {
        "code": "NEW-1",
        "name": "A new project",
        "directorate": directorate.pk,
        "planned_start": "2026-01-05",
        "planned_end": "2026-12-18",
        "priority": "2",
        **overrides,
    }
    response = client.post(reverse("portfolio:project_create"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors.replace(",", "").replace("\u202f", ""), response.context["form"].errors
    assert not Project.objects.filter(code="NEW-1").exists()


# --------------------------------------------------------------------------------------- search


@pytest.fixture
def searchable(pmo_user, directorate):
    from portfolio.services import project_create

    return [
        project_create(
            actor=pmo_user, code="DEM-1", name="Dématérialisation des actes", directorate=directorate
        ),
        project_create(actor=pmo_user, code="ECO-1", name="Économie circulaire", directorate=directorate),
        project_create(
            actor=pmo_user, code="OTH-1", name="Other", description="Cœur de métier", directorate=directorate
        ),
    ]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("demat", ["DEM-1"]),
        ("DÉMAT", ["DEM-1"]),
        ("economie", ["ECO-1"]),
        ("coeur metier", ["OTH-1"]),
        ("dem-1", ["DEM-1"]),
        ("dematerialisation economie", []),
    ],
)
def test_search_ignores_accents_and_case(client, reader_user, searchable, query, codes):
    api_codes = [
        row["code"] for row in api(reader_user).get("/api/v1/projects/", {"q": query}).data["results"]
    ]
    assert api_codes == codes
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_list"), {"q": query})
    assert [project.code for project in response.context["object_list"]] == codes


def test_search_text_of_projects_made_outside_the_services_too(directorate):
    project = ProjectFactory(name="Télétravail", directorate=directorate)
    assert "teletravail" in Project.objects.get(pk=project.pk).search_text
