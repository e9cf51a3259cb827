"""Every error under /api/ is JSON: unknown URLs, wrong methods, CSRF refusals, bad hosts, and a 500
from an unexpected exception. Pages keep their HTML error pages."""

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from ppm import errors, views

pytestmark = pytest.mark.django_db


def _is_json_error(response, status: int) -> bool:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert isinstance(json.loads(response.content)["detail"], str)
    return True


def test_unexpected_exception_under_api_is_a_json_500(client, reader_user, monkeypatch):
    from ppm.api.views import UserViewSet

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(UserViewSet, "list", explode)
    client.force_login(reader_user)
    client.raise_request_exception = False

    response = client.get("/api/v1/users/")

    assert _is_json_error(response, 500)
    assert "boom" not in response.content.decode()


def test_unexpected_exception_on_a_page_is_the_html_500(client, reader_user, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "_profile_context", explode)
    client.force_login(reader_user)
    client.raise_request_exception = False

    response = client.get(reverse("profile"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/", "/api/nothing-here", "/api/v2/projects/"])
def test_unknown_api_urls_are_a_json_404(client, reader_user, path):
    client.force_login(reader_user)
    assert _is_json_error(client.get(path), 404)


def test_unknown_page_is_the_html_404(client, reader_user):
    client.force_login(reader_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/v1/users/me/"])
def test_wrong_methods_under_api_are_a_json_405(client, reader_user, path):
    client.force_login(reader_user)
    assert _is_json_error(client.delete(path), 405)


def test_browsable_api_errors_keep_their_details_as_json(client, pmo_user):
    client.force_login(pmo_user)
    response = client.post(
        "/api/v1/directorates/", "{}", content_type="application/json", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "code" in json.loads(response.content)


def test_csrf_refusal_under_api_is_json(reader_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader_user)
    response = client.post(
        "/api/v1/directorates/", {"code": "X", "name": "Y"}, content_type="application/json"
    )
    assert _is_json_error(response, 403)
    assert "CSRF" in response.json()["detail"]


def test_csrf_failure_view_answers_json_under_api_and_html_elsewhere():
    api = errors.csrf_failure(RequestFactory().post("/api/v1/anything/"), reason="CSRF cookie not set.")
    assert _is_json_error(api, 403)
    page = errors.csrf_failure(RequestFactory().post("/projects/new/"), reason="CSRF cookie not set.")
    assert page.status_code == 403
    assert "This form has expired" in page.content.decode()


def test_bad_host_under_api_is_a_json_400(client):
    assert _is_json_error(client.get("/api/v1/users/me/", HTTP_HOST="evil.example"), 400)


def test_permission_denied_under_api_outside_drf_is_json():
    from django.core.exceptions import PermissionDenied

    response = errors.permission_denied(RequestFactory().get("/api/v1/x/"), PermissionDenied("No."))
    assert _is_json_error(response, 403)
    assert json.loads(response.content)["detail"] == "No."
