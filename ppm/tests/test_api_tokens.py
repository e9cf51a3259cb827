"""API tokens: an optional expiry chosen at creation, the last-used date, both on the profile page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ppm.models import ApiToken
from ppm.services import api_token_create

pytestmark = pytest.mark.django_db


def _api(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return api


def test_an_expired_token_is_refused_with_a_clear_message(reader_user):
    token, raw = api_token_create(user=reader_user, name="Nightly export", expires_in_days=30)
    assert _api(raw).get("/api/v1/users/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = _api(raw).get("/api/v1/users/me/")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "This token expired on" in response.json()["detail"]
    assert "profile page" in response.json()["detail"]


@pytest.mark.parametrize("days", [30, 90, 365])
def test_token_lifetimes(reader_user, days):
    before = timezone.now()
    token, _raw = api_token_create(user=reader_user, name="x", expires_in_days=days)
    assert (
        before + datetime.timedelta(days=days)
        <= token.expires_at
        <= timezone.now() + datetime.timedelta(days=days)
    )
    assert not token.is_expired


def test_a_token_may_never_expire(reader_user):
    token, raw = api_token_create(user=reader_user, name="Forever")
    assert token.expires_at is None
    ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - datetime.timedelta(days=4000))
    assert _api(raw).get("/api/v1/users/me/").status_code == 200


def test_other_lifetimes_are_refused(reader_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        api_token_create(user=reader_user, name="x", expires_in_days=45)
    assert "expires_in_days" in error.value.message_dict
    assert not ApiToken.objects.exists()


def _token_updates(queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith("UPDATE") and "apitoken" in query["sql"])


def test_last_use_is_written_at_most_once_a_minute(reader_user):
    token, raw = api_token_create(user=reader_user, name="Busy script")
    api = _api(raw)
    with CaptureQueriesContext(connection) as queries:
        for _request in range(5):
            assert api.get("/api/v1/users/me/").status_code == 200
    assert _token_updates(queries.captured_queries) == 1
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    # Over a minute later, the next request records it again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - datetime.timedelta(seconds=61))
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/users/me/")
    assert _token_updates(queries.captured_queries) == 1
    token.refresh_from_db()
    assert token.last_used_at >= first_use


def test_profile_page_creates_a_token_with_a_lifetime_and_shows_dates(client, reader_user):
    client.force_login(reader_user)
    response = client.post(reverse("api_token_create"), {"name": "BI", "expires_in_days": "30"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=reader_user)
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    assert "It works until" in html

    _api(re.search(r'id="new-token-value"[^>]*value="([^"]+)"', html).group(1)).get("/api/v1/users/me/")
    token.refresh_from_db()
    page = client.get(reverse("profile")).content.decode()
    assert "Expires" in page and "Last used" in page
    assert timezone.localtime(token.expires_at).strftime("%m/%d/%Y") in page
    assert timezone.localtime(token.last_used_at).strftime("%m/%d/%Y") in page

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    assert "expired on" in client.get(reverse("profile")).content.decode()


def test_profile_page_offers_never_and_defaults_to_90_days(client, reader_user):
    client.force_login(reader_user)
    html = client.get(reverse("profile")).content.decode()
    assert re.search(r'<option value="90" selected>', html)
    assert '<option value="">' in html
    client.post(reverse("api_token_create"), {"name": "Forever", "expires_in_days": ""})
    assert ApiToken.objects.get(user=reader_user).expires_at is None


def test_api_creates_a_token_with_a_lifetime(api_client, reader_user):
    api_client.force_authenticate(reader_user)
    response = api_client.post(
        "/api/v1/users/me/tokens/", {"name": "CI", "expires_in_days": 90}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["expires_at"] is not None
    assert (
        api_client.post(
            "/api/v1/users/me/tokens/", {"name": "CI", "expires_in_days": 7}, format="json"
        ).status_code
        == 400
    )
    listed = api_client.get("/api/v1/users/me/tokens/").json()
    assert {"expires_at", "last_used_at"} <= set(listed[0])
    never = api_client.post("/api/v1/users/me/tokens/", {"name": "Old client"}, format="json")
    assert never.status_code == 201 and never.json()["expires_at"] is None
