"""The sign-in throttle (ppm.throttle): every entry point, under concurrency, on the real caches;
the client address behind proxies; the password reset's rate limit."""

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.request import Request

from ppm import throttle
from ppm.authentication import ThrottledBasicAuthentication
from ppm.roles import Role
from ppm.testing import redis_test_url

LIMIT = 5


def _clear_local_cache() -> None:
    """Forget the throttle counters: clear the in-memory or file cache; in Redis delete only the
    throttle's keys (clear() would FLUSHDB a database that may hold other data)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        cache.clear()
        return
    client = backend._cache.get_client(write=True)
    for pattern in ("*login-throttle:*", "*password-reset-throttle:*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = LIMIT
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 600
    _clear_local_cache()
    yield
    _clear_local_cache()


@pytest.fixture(params=["file", "redis"])
def real_cache(request, settings, tmp_path):
    """The default cache switched to a real shared backend: the file cache (the embedded default) or Redis."""
    if request.param == "file":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    else:
        url = redis_test_url()
        if url is None:
            if os.environ.get("CI"):
                pytest.fail("Redis is not reachable")
            pytest.skip("Redis is not reachable")
        # Keys of this test only (a unique prefix), deleted afterwards: the database is not flushed.
        prefix = f"throttle-test-{uuid.uuid4().hex}"
        settings.CACHES = {
            "default": {
                "BACKEND": "ppm.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,
            }
        }
    _clear_local_cache()
    yield request.param
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    else:
        _clear_local_cache()


# --- Every entry point --------------------------------------------------------------------------


def _admin_login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_admin_login_is_throttled(client, make_user, password):
    staff = make_user(Role.ADMINISTRATOR, username="root", is_staff=True, is_superuser=True)
    for attempt in range(LIMIT):
        assert _admin_login(client, staff.username, "wrong", ip=f"10.0.1.{attempt}").status_code == 200
    # The right password is now refused too, from any address, with the reason and a 429.
    response = _admin_login(client, staff.username, password, ip="10.0.2.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_sign_in_page_and_the_admin_share_one_counter(client, make_user, password):
    staff = make_user(Role.ADMINISTRATOR, username="root", is_staff=True, is_superuser=True)
    for attempt in range(LIMIT - 1):
        client.post(
            reverse("login"), {"username": staff.username, "password": "x"}, REMOTE_ADDR=f"10.1.0.{attempt}"
        )
    assert _admin_login(client, staff.username, "wrong", ip="10.2.0.1").status_code == 200  # the last one
    response = client.post(reverse("login"), {"username": staff.username, "password": password})
    assert response.status_code == 429


@pytest.mark.django_db
def test_basic_auth_goes_through_the_throttle(make_user, password):
    user = make_user(username="scripted")
    auth = ThrottledBasicAuthentication()

    def attempt(secret):
        request = Request(RequestFactory().get("/api/v1/users/me/", REMOTE_ADDR="10.3.0.1"))
        return auth.authenticate_credentials(user.username, secret, request)

    for _attempt in range(LIMIT):
        with pytest.raises(exceptions.AuthenticationFailed):
            attempt("wrong")
    with pytest.raises(exceptions.Throttled) as refused:
        attempt(password)
    assert refused.value.wait > 0
    assert "Too many failed sign-in attempts" in str(refused.value.detail)


@pytest.mark.django_db
def test_a_right_password_gives_back_the_address_slot(client, make_user, password):
    users = [make_user(username=f"colleague-{n}") for n in range(LIMIT + 2)]
    # Many people sign in successfully from one address (a NAT): none of it counts against the address.
    for user in users:
        response = client.post(
            reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR="192.0.2.50"
        )
        assert response.status_code == 302
        client.logout()


# --- Concurrency ---------------------------------------------------------------------------------


def test_reservations_hold_under_concurrent_threads(real_cache):
    """40 threads reserve at the same instant against a limit of 5: exactly 5 get a slot."""
    values = {"user": "victim", "ip": "198.51.100.7"}
    barrier = threading.Barrier(40)

    def attempt(_n):
        barrier.wait()
        return throttle.login_throttle.reserve(values)

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(attempt, range(40)))
    assert results.count(0) == LIMIT
    assert all(wait > 0 for wait in results if wait)
    assert throttle.login_throttle.wait(values) > 0


PROCESS_SCRIPT = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from django.test.utils import override_settings
folder, go, ready = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
backend = "django.core.cache.backends.filebased.FileBasedCache"
caches = {"default": {"BACKEND": backend, "LOCATION": str(folder)}}
with override_settings(CACHES=caches, LOGIN_THROTTLE_ATTEMPTS=5, LOGIN_THROTTLE_WINDOW_SECONDS=600):
    from ppm import throttle
    ready.touch()
    while not go.exists():
        time.sleep(0.005)
    values = {"user": "victim", "ip": "203.0.113.9"}
    granted = sum(throttle.login_throttle.reserve(values) == 0 for _ in range(5))
print(granted)
"""


def test_reservations_hold_across_processes_on_the_file_cache(tmp_path):
    """8 processes × 5 attempts on the shared file cache (as gunicorn workers would): 5 slots in all."""
    folder, go = tmp_path / "cache", tmp_path / "go"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ppm.settings", "PILOTIS_TESTING": "1"}
    env.pop("CACHE_URL", None)
    processes = []
    for number in range(8):
        ready = tmp_path / f"ready-{number}"
        processes.append(
            (
                ready,
                subprocess.Popen(  # noqa: S603 - our own interpreter and script
                    [sys.executable, "-c", PROCESS_SCRIPT, str(folder), str(go), str(ready)],
                    cwd=django_settings.BASE_DIR,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _process in processes):
        assert time.monotonic() < deadline, "the processes did not start"
        assert all(process.poll() is None for _ready, process in processes), processes[0][1].communicate()
        time.sleep(0.05)
    go.touch()
    granted = 0
    for _ready, process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        granted += int(out.strip())
    assert granted == LIMIT


def post_with_retry(url, **kwargs) -> requests.Response:
    """POST, retrying a connection the test server refused (its listen queue holds 10): such a request
    never reached the application."""
    for _attempt in range(20):
        try:
            return requests.post(url, timeout=60, **kwargs)
        except requests.ConnectionError:
            time.sleep(0.05)
    return requests.post(url, timeout=60, **kwargs)


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast) that counts the passwords it checks."""

    algorithm = "counting_md5"
    checked = 0
    _lock = threading.Lock()

    def verify(self, password, encoded):
        with CountingHasher._lock:
            CountingHasher.checked += 1
        return super().verify(password, encoded)


@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_wrong_passwords_check_at_most_the_limit(
    real_cache, live_server, settings, make_user
):
    """Through the real sign-in page of a threaded server: 40 concurrent wrong passwords, limit 5."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    user = make_user(username="target")
    CountingHasher.checked = 0
    session = requests.Session()
    url = live_server.url + reverse("login")
    page = session.get(url, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies = session.cookies.get_dict()
    barrier = threading.Barrier(40)

    def attempt(_n):
        barrier.wait()
        return post_with_retry(
            url,
            data={"username": user.username, "password": "wrong", "csrfmiddlewaretoken": token},
            cookies=cookies,
            headers={"Referer": url},
        ).status_code

    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(attempt, range(40)))
    assert CountingHasher.checked <= LIMIT
    assert statuses.count(200) <= LIMIT
    assert statuses.count(429) >= 40 - LIMIT
    assert set(statuses) <= {200, 429}


# --- Client address -------------------------------------------------------------------------------


def _request(remote="203.0.113.1", forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_forwarded_for_is_ignored_without_a_configured_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as in production
    settings.PILOTIS_TRUSTED_PROXY_COUNT = 0
    settings.PILOTIS_TRUSTED_PROXIES = []
    assert throttle.client_ip(_request("203.0.113.1", "1.2.3.4")) == "203.0.113.1"


def test_forwarded_for_behind_a_proxy_count(settings):
    settings.PILOTIS_TRUSTED_PROXY_COUNT = 1
    assert throttle.client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.4")) == "198.51.100.4"
    settings.PILOTIS_TRUSTED_PROXY_COUNT = 2
    assert throttle.client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.0.0.9")) == "198.51.100.4"
    # A header that is not an address falls back to the peer.
    settings.PILOTIS_TRUSTED_PROXY_COUNT = 1
    assert throttle.client_ip(_request("10.0.0.2", "not-an-ip")) == "10.0.0.2"


def test_forwarded_for_behind_listed_proxies(settings):
    settings.PILOTIS_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    # The peer is a trusted proxy: the right-most address that is not a proxy is the client.
    assert throttle.client_ip(_request("192.0.2.10", "6.6.6.6, 198.51.100.4, 10.1.2.3")) == "198.51.100.4"
    # The peer is not a trusted proxy: its header is the client's own invention.
    assert throttle.client_ip(_request("203.0.113.1", "198.51.100.4")) == "203.0.113.1"


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_address_throttle(client, settings, make_user, password):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    users = [make_user(username=f"someone-{n}") for n in range(LIMIT + 1)]
    for number, user in enumerate(users[:-1]):
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
        assert response.status_code == 200
    response = client.post(
        reverse("login"),
        {"username": users[-1].username, "password": password},
        REMOTE_ADDR="203.0.113.66",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert response.status_code == 429


# --- Password reset -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_password_reset_sends_at_most_the_limit_per_address(client, settings, make_user):
    settings.PASSWORD_RESET_THROTTLE_ATTEMPTS = 3
    user = make_user(username="forgetful", email="forgetful@example.org")
    statuses = [
        client.post(reverse("password_reset"), {"email": user.email}, REMOTE_ADDR=f"10.5.0.{n}").status_code
        for n in range(10)
    ]
    assert len(mail.outbox) == 3
    assert statuses[:3] == [302] * 3 and set(statuses[3:]) == {429}


@pytest.mark.django_db
def test_password_reset_is_limited_per_client_address(client, settings, make_user):
    settings.PASSWORD_RESET_THROTTLE_IP_ATTEMPTS = 4
    users = [make_user(username=f"user-{n}", email=f"user-{n}@example.org") for n in range(10)]
    responses = [
        client.post(reverse("password_reset"), {"email": user.email}, REMOTE_ADDR="10.6.0.1")
        for user in users
    ]
    assert len(mail.outbox) == 4
    refused = responses[-1]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many password reset requests" in refused.content.decode()
    # Another address is not affected.
    assert (
        client.post(reverse("password_reset"), {"email": users[0].email}, REMOTE_ADDR="10.6.0.2").status_code
        == 302
    )
