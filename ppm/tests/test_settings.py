"""Production settings refuse to start insecurely. Each case imports the settings in a fresh
interpreter with a clean environment, as a server would."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
)


def start(tmp_path, *, code: str = SETUP, **variables) -> subprocess.CompletedProcess:
    """`code` run in a fresh interpreter on the settings, with a clean environment plus `variables`."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "ppm.settings",
        "PILOTIS_TESTING": "0",
        "PILOTIS_VAR_DIR": str(tmp_path),
        "DJANGO_DEBUG": "0",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_start_when_secret_and_hosts_are_set(tmp_path):
    result = start(tmp_path, DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="pilotis.example.org")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("secret", [None, ""])
def test_production_settings_refuse_a_missing_secret_key(tmp_path, secret):
    variables = {"DJANGO_ALLOWED_HOSTS": "pilotis.example.org"}
    if secret is not None:
        variables["DJANGO_SECRET_KEY"] = secret

    result = start(tmp_path, **variables)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_missing_allowed_hosts(tmp_path):
    result = start(tmp_path, DJANGO_SECRET_KEY="x" * 60)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_debug_runs_with_no_secret_and_no_hosts(tmp_path):
    result = start(tmp_path, DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


SQLITE_SETUP = (
    "import django; django.setup(); from django.db import connection; "
    "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); "
    "print(cursor.fetchone()[0], connection.settings_dict['OPTIONS']['transaction_mode'], "
    "connection.settings_dict['OPTIONS']['timeout'])"
)


def test_embedded_sqlite_runs_in_wal_with_immediate_transactions_and_a_busy_timeout(tmp_path):
    result = start(tmp_path, code=SQLITE_SETUP, DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    journal, mode, timeout = result.stdout.split()
    assert (journal, mode) == ("wal", "IMMEDIATE")
    assert float(timeout) >= 5


def test_every_authentication_goes_through_the_throttled_backend():
    # Another backend before or beside it would check passwords without the sign-in throttle.
    assert settings.AUTHENTICATION_BACKENDS == ["ppm.throttle.ThrottledModelBackend"]
    assert "ppm.throttle.LoginThrottleMiddleware" in settings.MIDDLEWARE


CACHE_PREFIX = (
    "import django; django.setup(); from django.core.cache import cache; print(cache.make_key('usercache:x'))"
)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"DATABASE_URL": "postgres://u@db:5432/pilotis"}, "pilotis:1:usercache:x"),
        ({"DATABASE_URL": "postgres://u@db:5432/pilotis_staging"}, "pilotis_staging:1:usercache:x"),
        (
            {"DATABASE_URL": "postgres://u@db:5432/pilotis", "CACHE_KEY_PREFIX": "prod-a"},
            "prod-a:1:usercache:x",
        ),
    ],
)
def test_redis_cache_keys_carry_the_database_name_so_instances_sharing_redis_stay_apart(
    tmp_path, variables, expected
):
    # Only read as a setting: nothing is sent to Redis.
    result = start(
        tmp_path, code=CACHE_PREFIX, DJANGO_DEBUG="1", CACHE_URL="redis://127.0.0.1:6379/0", **variables
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
