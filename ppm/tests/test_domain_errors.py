"""One family of domain errors: pages and the API answer any DomainError with its status and message."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ppm.tests.urls_domain_errors")]


@pytest.mark.parametrize(
    ("kind", "status", "text"),
    [
        ("illegal", 409, "Not from here."),
        ("stale", 412, "changed by someone else"),
        ("quota", 422, "Too many"),
    ],
)
def test_a_page_renders_a_domain_error_with_its_status(client, reader_user, kind, status, text):
    client.force_login(reader_user)
    response = client.get(f"/test-domain-error/{kind}/")
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    assert "<main" in html, "the whole page, with the application's frame"


def test_an_htmx_request_gets_a_message_fragment_for_the_messages_region(client, reader_user):
    client.force_login(reader_user)
    response = client.get("/test-domain-error/illegal/", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    assert response["HX-Reswap"] == "beforeend"
    html = response.content.decode()
    assert "Not from here." in html and 'data-error-code="illegal_transition"' in html
    assert "<main" not in html


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("illegal", 409, {"detail": "Not from here.", "code": "illegal_transition"}),
        ("quota", 422, {"detail": "Too many things.", "code": "quota_exceeded"}),
    ],
)
def test_the_api_answers_json_with_status_and_code(api_client, reader_user, kind, status, body):
    api_client.force_authenticate(reader_user)
    response = api_client.get(f"/api/v1/test-domain-error/{kind}/")
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == body


def test_the_api_gives_the_current_version_of_a_stale_object(api_client, reader_user):
    api_client.force_authenticate(reader_user)
    response = api_client.get("/api/v1/test-domain-error/stale/")
    assert response.status_code == 412
    assert response.json()["current_version"] == 4 and response.json()["code"] == "stale_version"


def test_a_plain_view_under_the_api_answers_json_too(client, reader_user):
    client.force_login(reader_user)
    response = client.get("/api/v1/plain-domain-error/quota/")
    assert response.status_code == 422
    assert response.json() == {"detail": "Too many things.", "code": "quota_exceeded"}
