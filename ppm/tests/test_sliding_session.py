"""The inactivity timeout slides with activity without a session write on every page
(ppm.middleware.SlidingSessionMiddleware)."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from ppm import middleware
from ppm.testing import captured_queries

pytestmark = pytest.mark.django_db


def _session_writes(action) -> list[str]:
    return [
        sql for sql in captured_queries(action) if "django_session" in sql and not sql.startswith("SELECT")
    ]


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_pages_within_the_refresh_interval_write_no_session(client, pmo_user, settings, monkeypatch):
    clock = [1_000_000]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client.force_login(pmo_user)  # signing in marks the session fresh
    url = reverse("portfolio:project_list")
    first = _expiry(client)
    assert _session_writes(lambda: client.get(url)) == []  # the first page after signing in
    clock[0] += settings.SESSION_REFRESH_SECONDS - 1
    assert _session_writes(lambda: client.get(url)) == []
    assert _session_writes(lambda: client.get(url)) == []
    assert _expiry(client) == first


def test_a_page_after_the_interval_pushes_the_expiry_back(client, pmo_user, settings, monkeypatch):
    clock = [1_000_000]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client.force_login(pmo_user)
    url = reverse("portfolio:project_list")
    client.get(url)
    first = _expiry(client)
    clock[0] += settings.SESSION_REFRESH_SECONDS
    assert len(_session_writes(lambda: client.get(url))) == 1
    assert _expiry(client) > first


def test_a_visitor_without_a_session_gets_none(client):
    client.get(reverse("login"))
    client.get("/api/v1/")
    assert not Session.objects.exists()


def test_an_ended_session_is_not_started_again(client, pmo_user):
    client.force_login(pmo_user)
    Session.objects.all().delete()  # ended (expired and cleared, or signed out elsewhere)
    client.get(reverse("healthz"))  # a page that never looks at who is signed in
    assert not Session.objects.exists()
    response = client.get(reverse("portfolio:project_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Session.objects.exists()
