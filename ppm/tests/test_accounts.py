"""Accounts: sign-in with throttling, session rotation, POST-only sign-out, password pages,
and the profile page with its API tokens."""

import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from ppm.models import ApiToken
from ppm.services import api_token_create

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- Sign-in ------------------------------------------------------------------------------------


def test_login_page_renders_without_inline_script(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert reverse("password_reset") in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html)


def test_login_succeeds_and_rotates_the_session_key(client, reader_user, password):
    client.get(reverse("login"))
    session = client.session
    session["before_login"] = "yes"
    session.save()
    key_before = client.session.session_key
    response = _login(client, reader_user.username, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:dashboard")
    assert client.session.session_key != key_before
    assert client.session["_auth_user_id"] == str(reader_user.pk)


def test_login_redirects_to_next_only_when_safe(client, reader_user, password):
    url = reverse("login")
    safe = client.post(url + "?next=/projects/", {"username": reader_user.username, "password": password})
    assert safe["Location"] == "/projects/"
    client.logout()
    evil = client.post(
        url + "?next=https://evil.example/", {"username": reader_user.username, "password": password}
    )
    assert evil["Location"] == reverse("portfolio:dashboard")


def test_wrong_password_shows_an_error(client, reader_user):
    response = _login(client, reader_user.username, "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_throttle_after_n_failures_per_username(client, reader_user, password):
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert _login(client, reader_user.username, "wrong").status_code == 200
    # Now even the right password is refused, from any address, with a clear message.
    response = _login(client, reader_user.username.upper(), password, ip="10.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "_auth_user_id" not in client.session
    # Another user is not affected.
    assert _login(client, "somebody-else", "x", ip="10.9.9.9").status_code == 200


def test_throttle_per_client_address(client, make_user, password):
    users = [make_user(username=f"user-{n}") for n in range(settings.LOGIN_THROTTLE_ATTEMPTS + 1)]
    for user in users[:-1]:
        assert _login(client, user.username, "wrong", ip="192.0.2.7").status_code == 200
    # A fresh user name from the same address is refused...
    assert _login(client, users[-1].username, password, ip="192.0.2.7").status_code == 429
    # ...but not from another address.
    assert _login(client, users[-1].username, password, ip="192.0.2.8").status_code == 302


def test_throttle_ends_when_the_window_passes(client, reader_user, password, monkeypatch):
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        _login(client, reader_user.username, "wrong")
    assert _login(client, reader_user.username, password).status_code == 429
    later = time.time() + settings.LOGIN_THROTTLE_WINDOW_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert _login(client, reader_user.username, password).status_code == 302


def test_successful_login_resets_the_username_counter(client, reader_user, password):
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    for _attempt in range(limit - 1):
        _login(client, reader_user.username, "wrong", ip=f"10.1.0.{_attempt}")
    assert _login(client, reader_user.username, password, ip="10.2.0.1").status_code == 302
    client.logout()
    for _attempt in range(limit - 1):
        assert _login(client, reader_user.username, "wrong", ip=f"10.3.0.{_attempt}").status_code == 200
    # Had the counter not been reset, this would be the (2 × limit − 1)th failure: refused.
    assert _login(client, reader_user.username, password, ip="10.4.0.1").status_code == 302


def test_empty_submissions_are_not_counted(client, reader_user, password):
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS + 2):
        assert client.post(reverse("login"), {"username": "", "password": ""}).status_code == 200
    assert _login(client, reader_user.username, password).status_code == 302


# --- Sign-out -----------------------------------------------------------------------------------


def test_logout_requires_post(client, reader_user):
    client.force_login(reader_user)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portfolio:dashboard")).status_code == 302


def test_logout_without_csrf_token_is_refused(reader_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(reader_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert "_auth_user_id" in client.session


# --- Password pages -----------------------------------------------------------------------------


def test_password_change(client, reader_user, password):
    client.force_login(reader_user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "A-new-l0ng-passphrase",
            "new_password2": "A-new-l0ng-passphrase",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    reader_user.refresh_from_db()
    assert reader_user.check_password("A-new-l0ng-passphrase")
    assert "has been changed" in client.get(reverse("password_change_done")).content.decode()


def test_password_reset_sends_a_link_that_works(client, reader_user):
    response = client.post(reverse("password_reset"), {"email": reader_user.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Pilotis: reset your password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Another-l0ng-passphrase", "new_password2": "Another-l0ng-passphrase"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    reader_user.refresh_from_db()
    assert reader_user.check_password("Another-l0ng-passphrase")


def test_password_reset_for_unknown_address_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert len(mail.outbox) == 0


# --- Profile and API tokens --------------------------------------------------------------------


def test_profile_shows_identity_and_tokens(client, make_user, directorate):
    user = make_user("manager", first_name="Ada", last_name="Lovelace", directorate=directorate)
    token, _raw = api_token_create(user=user, name="Finance warehouse")
    client.force_login(user)
    response = client.get(reverse("profile"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in html
    assert "Project manager" in html
    assert directorate.name.replace("'", "&#x27;") in html
    assert "Finance warehouse" in html
    assert f"{token.prefix}…" in html
    assert reverse("api_token_revoke", args=[token.pk]) in html
    assert not INLINE_SCRIPT.search(html)
    assert response["Cache-Control"].startswith("max-age=0")


def test_profile_needs_login(client):
    assert client.get(reverse("profile")).status_code == 302


def test_create_token_shows_it_once_and_stores_only_its_hash(client, reader_user):
    client.force_login(reader_user)
    response = client.post(reverse("api_token_create"), {"name": "BI dashboard"})
    assert response.status_code == 200
    html = response.content.decode()
    raw = re.search(r'id="new-token-value"[^>]*value="([^"]+)"', html).group(1)
    assert "it will not be shown again" in html
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=reader_user)
    assert token.name == "BI dashboard"
    assert token.digest == ApiToken.hash(raw)
    assert raw not in (token.digest, token.prefix, token.name)
    assert raw.startswith(token.prefix)
    # The clear token is never shown again.
    assert raw not in client.get(reverse("profile")).content.decode()


def test_create_token_with_htmx_returns_the_tokens_block(client, reader_user):
    client.force_login(reader_user)
    response = client.post(reverse("api_token_create"), {"name": "ETL"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section class="panel" id="api-tokens"')
    assert 'id="new-token-value"' in html
    assert ApiToken.objects.filter(user=reader_user, name="ETL").exists()


def test_create_token_requires_a_name(client, reader_user):
    client.force_login(reader_user)
    response = client.post(reverse("api_token_create"), {"name": "  "})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_create_token_limit_is_reported(client, reader_user, monkeypatch):
    from ppm import services

    monkeypatch.setattr(services, "MAX_TOKENS_PER_USER", 1)
    api_token_create(user=reader_user, name="first")
    client.force_login(reader_user)
    response = client.post(reverse("api_token_create"), {"name": "second"})
    assert "revoke one first" in response.content.decode()
    assert ApiToken.objects.filter(user=reader_user).count() == 1


def test_token_create_and_revoke_are_post_only(client, reader_user):
    token, _raw = api_token_create(user=reader_user, name="x")
    client.force_login(reader_user)
    assert client.get(reverse("api_token_create")).status_code == 405
    assert client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_revoke_token(client, reader_user):
    from rest_framework.test import APIClient

    token, raw = api_token_create(user=reader_user, name="Old script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/directorates/").status_code == 200
    client.force_login(reader_user)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert "The token “Old script” is revoked" in response.content.decode()
    # The revoked token no longer opens the API.
    assert api.get("/api/v1/directorates/").status_code == 401


def test_revoke_token_with_htmx(client, reader_user):
    token, _raw = api_token_create(user=reader_user, name="Old script")
    client.force_login(reader_user)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "You have no API token." in html
    assert 'hx-swap-oob="true"' in html and "is revoked" in html


def test_cannot_revoke_someone_elses_token(client, reader_user, pmo_user):
    token, _raw = api_token_create(user=pmo_user, name="PMO token")
    client.force_login(reader_user)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


# --- Error pages --------------------------------------------------------------------------------


def test_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert 'href="/static/css/app.css"' in html
    assert not INLINE_SCRIPT.search(html)


def test_server_error_shows_the_friendly_page(client, settings, monkeypatch):
    from ppm import throttle

    def explode(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(throttle, "client_ip", explode)
    client.raise_request_exception = False
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "boom" not in html and "Traceback" not in html


def test_signed_in_user_is_sent_on_from_the_login_page(client, reader_user):
    client.force_login(reader_user)
    assert client.get(reverse("login"))["Location"] == reverse("portfolio:dashboard")
    assert client.get(reverse("login") + "?next=/projects/")["Location"] == "/projects/"
    # "next" pointing back at the login page must not loop (nor crash).
    response = client.get(reverse("login") + "?next=" + reverse("login"))
    assert response["Location"] == reverse("portfolio:dashboard")


@pytest.mark.parametrize("username", ["nul\x00byte", "x" * 5000])
def test_odd_usernames_get_a_form_error_not_a_crash(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "whatever"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_guessing_the_current_password_on_the_change_form_is_throttled(client, reader_user, password):
    client.force_login(reader_user)
    url = reverse("password_change")
    new = {"new_password1": "An0ther-long-passphrase", "new_password2": "An0ther-long-passphrase"}
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        response = client.post(url, {"old_password": "wrong", **new})
        assert response.status_code == 200 and "old_password" in response.context["form"].errors
    # Now even the right current password is refused, and the password is unchanged.
    response = client.post(url, {"old_password": password, **new})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    reader_user.refresh_from_db()
    assert reader_user.check_password(password)
    # The guesses counted as failed sign-ins: signing in is blocked too.
    client.logout()
    assert _login(client, reader_user.username, password).status_code == 429


def test_the_right_current_password_changes_it_and_clears_the_counter(client, reader_user, password):
    client.force_login(reader_user)
    url = reverse("password_change")
    new = {"new_password1": "An0ther-long-passphrase", "new_password2": "An0ther-long-passphrase"}
    client.post(url, {"old_password": "wrong", **new})
    response = client.post(url, {"old_password": password, **new})
    assert response.status_code == 302
    reader_user.refresh_from_db()
    assert reader_user.check_password("An0ther-long-passphrase")
