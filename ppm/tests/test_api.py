"""The cross-cutting REST API: authentication, the signed-in user, users, API tokens, directorates."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from ppm.models import ApiToken, AuditEntry, Directorate
from ppm.roles import Role
from ppm.services import MAX_TOKENS_PER_USER, api_token_create
from ppm.tests.factories import DirectorateFactory, UserFactory

ME = "/api/v1/users/me/"
TOKENS = "/api/v1/users/me/tokens/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


# ------------------------------------------------------------------------------------ authentication


def test_anonymous_is_refused_with_a_json_message(db):
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_invalid_token_is_401(db):
    response = token_client("not-a-token").get(ME)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_inactive_users_token_is_refused(make_user):
    user = make_user(Role.PROJECT_OFFICE)
    _token, raw = api_token_create(user=user, name="bi")
    user.is_active = False
    user.save()
    assert token_client(raw).get(ME).status_code == 401


def test_session_writes_need_the_csrf_token(pmo_user, password):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=pmo_user.username, password=password)

    refused = client.post(TOKENS, {"name": "script"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not ApiToken.objects.filter(user=pmo_user).exists()

    assert client.get(ME).status_code == 200, "reads need no CSRF token"
    # What the browser does: echo the CSRF cookie's value in the X-CSRFToken header.
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    accepted = client.post(TOKENS, {"name": "script"}, format="json", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201


def test_token_writes_need_no_csrf_token(pmo_user):
    _token, raw = api_token_create(user=pmo_user, name="bi")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.post("/api/v1/tags/", {"name": "from-a-script"}, format="json").status_code == 201


# ----------------------------------------------------------------------------------------- users/me


def test_me_describes_the_signed_in_user(make_user):
    directorate = DirectorateFactory(code="DSI", name="Information systems")
    user = make_user(
        Role.PROJECT_MANAGER,
        username="cmartin",
        first_name="Claire",
        last_name="Martin",
        directorate=directorate,
    )
    response = client_for(user).get(ME, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    with translation.override("fr"):
        role_label = str(Role.PROJECT_MANAGER.label)
    assert response.json() == {
        "id": user.pk,
        "username": "cmartin",
        "full_name": "Claire Martin",
        "email": "cmartin@example.org",
        "role": "manager",
        "role_label": role_label,
        "directorate": directorate.pk,
        "directorate_name": "Information systems",
        "language": "fr",
    }


def test_me_in_english_without_directorate(reader_user):
    data = client_for(reader_user).get(ME, HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["language"] == "en"
    assert data["role_label"] == "Reader"
    assert data["directorate"] is None and data["directorate_name"] is None


# -------------------------------------------------------------------------------------------- users


def test_users_list_is_filterable_by_role(reader_user, manager_user, other_manager, pmo_user):
    inactive = UserFactory(username="gone", role=Role.PROJECT_MANAGER, is_active=False)
    client = client_for(reader_user)

    everyone = client.get("/api/v1/users/")
    assert everyone.status_code == 200
    assert set(everyone.json()["results"][0]) == {"id", "username", "full_name", "role", "role_label"}
    assert inactive.pk not in [row["id"] for row in everyone.json()["results"]]

    managers = client.get("/api/v1/users/", {"role": "manager"}).json()["results"]
    assert sorted(row["username"] for row in managers) == ["manager1", "manager2"]
    assert client.get("/api/v1/users/", {"role": "emperor"}).status_code == 400


def test_users_search(reader_user, make_user):
    make_user(Role.CONTRIBUTOR, username="jdupont", first_name="Jeanne", last_name="Dupont")
    results = client_for(reader_user).get("/api/v1/users/", {"search": "dupont"}).json()["results"]
    assert [row["username"] for row in results] == ["jdupont"]


def test_users_list_is_read_only(pmo_user):
    assert client_for(pmo_user).post("/api/v1/users/", {"username": "x"}, format="json").status_code == 405


# ------------------------------------------------------------------------------------------- tokens


def test_token_is_shown_once_and_stored_hashed(manager_user):
    client = client_for(manager_user)

    response = client.post(TOKENS, {"name": "Finance system"}, format="json")

    assert response.status_code == 201
    raw = response.json()["token"]
    assert len(raw) >= 40
    stored = ApiToken.objects.get(pk=response.json()["id"])
    assert stored.digest == ApiToken.hash(raw) != raw
    assert raw not in {stored.digest, stored.prefix, stored.name}
    assert stored.prefix == raw[:8]
    listed = client.get(TOKENS).json()
    assert listed == [
        {
            "id": stored.pk,
            "name": "Finance system",
            "prefix": raw[:8],
            "created_at": listed[0]["created_at"],
            "last_used_at": None,
            "expires_at": None,
        }
    ]
    assert raw not in str(listed)


def test_token_authenticates_and_records_its_use(manager_user):
    _token, raw = api_token_create(user=manager_user, name="bi")
    response = token_client(raw).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == manager_user.username
    assert ApiToken.objects.get(user=manager_user).last_used_at is not None


def test_revoked_token_no_longer_works(manager_user):
    token, raw = api_token_create(user=manager_user, name="bi")
    assert token_client(raw).get(ME).status_code == 200

    response = client_for(manager_user).delete(f"{TOKENS}{token.pk}/")

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert token_client(raw).get(ME).status_code == 401


def test_a_token_can_revoke_itself(manager_user):
    token, raw = api_token_create(user=manager_user, name="bi")
    assert token_client(raw).delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert token_client(raw).get(ME).status_code == 401


def test_cannot_see_or_revoke_someone_elses_token(manager_user, other_manager):
    theirs, raw = api_token_create(user=other_manager, name="theirs")
    client = client_for(manager_user)

    assert client.get(TOKENS).json() == []
    response = client.delete(f"{TOKENS}{theirs.pk}/")

    assert response.status_code == 404
    assert response.json()["detail"] == "You have no API token with this id."
    assert token_client(raw).get(ME).status_code == 200


@pytest.mark.parametrize("token_id", ["999999", "abc", str(10**30), "0"])
def test_revoking_an_unknown_token_is_404(manager_user, token_id):
    assert client_for(manager_user).delete(f"{TOKENS}{token_id}/").status_code == 404


def test_token_name_is_required_and_tokens_are_capped(manager_user):
    client = client_for(manager_user)
    assert "name" in client.post(TOKENS, {"name": "  "}, format="json").json()
    for n in range(MAX_TOKENS_PER_USER):
        api_token_create(user=manager_user, name=f"t{n}")
    response = client.post(TOKENS, {"name": "one too many"}, format="json")
    assert response.status_code == 400
    assert "revoke one first" in str(response.json())


def test_token_last_use_is_not_written_on_every_request(manager_user):
    token, raw = api_token_create(user=manager_user, name="bi")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    client = token_client(raw)
    with CaptureQueriesContext(connection) as queries:
        client.get(ME)
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)


# ------------------------------------------------------------------------------------- directorates


@pytest.mark.parametrize("role", ["admin", "pmo"])
def test_editors_manage_directorates(make_user, role):
    user = make_user(Role(role), is_superuser=role == "admin")
    client = client_for(user)
    parent = DirectorateFactory(code="DGS", name="General management")

    created = client.post(
        "/api/v1/directorates/", {"code": "DNUM", "name": "Digital", "parent": parent.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json() == {
        "id": created.json()["id"],
        "code": "DNUM",
        "name": "Digital",
        "parent": parent.pk,
        "is_active": True,
    }
    pk = created.json()["id"]
    updated = client.patch(f"/api/v1/directorates/{pk}/", {"is_active": False}, format="json")
    assert updated.status_code == 200
    assert Directorate.objects.get(pk=pk).is_active is False
    assert list(
        AuditEntry.objects.filter(object_id=str(pk), content_type__model="directorate")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    ) == ["create", "update"]


def test_directorate_cannot_be_its_own_ancestor(pmo_user):
    top = DirectorateFactory(code="TOP")
    child = DirectorateFactory(code="CHILD", parent=top)
    client = client_for(pmo_user)
    response = client.patch(f"/api/v1/directorates/{top.pk}/", {"parent": child.pk}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    assert (
        client.patch(f"/api/v1/directorates/{top.pk}/", {"parent": top.pk}, format="json").status_code == 400
    )
    top.refresh_from_db()
    assert top.parent is None


def test_directorates_filter_and_search(reader_user):
    DirectorateFactory(code="DSI", name="Information systems")
    DirectorateFactory(code="DRH", name="Human resources", is_active=False)
    client = client_for(reader_user)
    active = client.get("/api/v1/directorates/", {"is_active": "true"}).json()["results"]
    assert [row["code"] for row in active] == ["DSI"]
    found = client.get("/api/v1/directorates/", {"search": "human"}).json()["results"]
    assert [row["code"] for row in found] == ["DRH"]


def test_api_root_lists_the_endpoints(reader_user):
    data = client_for(reader_user).get("/api/v1/").json()
    assert {"projects", "axes", "objectives", "tags", "directorates", "users"} <= set(data)
