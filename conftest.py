"""Fixtures shared by every app's tests: one user per role, the API client; pytest-xdist safety."""

import os
import re
from collections import Counter

import pytest
from django.core.cache import cache, caches
from django.test.utils import override_settings
from rest_framework.test import APIClient

from ppm.roles import Role
from ppm.tests.factories import DEFAULT_PASSWORD, DirectorateFactory, UserFactory


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Tests that start a real Celery worker (or the whole application) run one after the other on one
    # xdist worker (`--dist loadgroup`): each starts processes of its own and they would fight for
    # the two cores and for broker databases. First among the hooks: pytest-xdist reads the group
    # marker in its own (it ran before this one and no test was ever grouped).
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("worker"))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Refuse a collection that pytest-xdist would silently shrink or spread: it keys items by node id
    (two items with one id run once) and groups `xdist_group` items by an `@group` suffix of the id.
    Both went unnoticed: pytest 9.2's node ids (see pyproject.toml), and the group marker added after
    xdist had read it (see above)."""
    counts = Counter(item.nodeid for item in session.items)
    duplicates = sorted(nodeid for nodeid, count in counts.items() if count > 1)
    if duplicates:
        raise pytest.UsageError(f"{len(duplicates)} node ids name several tests, e.g. {duplicates[0]}")
    if os.environ.get("PYTEST_XDIST_WORKER") and getattr(session.config.option, "loadgroup", False):
        ungrouped = [
            item.nodeid
            for item in session.items
            if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
        ]
        if ungrouped:
            raise pytest.UsageError(f"pytest-xdist did not group {ungrouped[0]} ({len(ungrouped)} tests)")


def xdist_worker_number() -> int | None:
    """0 for the first pytest-xdist worker (gw0), 1 for gw1, …; None outside xdist."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(match.group(1)) if match else None


@pytest.fixture(scope="session", autouse=True)
def _redis_cache_per_xdist_worker():
    """With a Redis cache (CACHE_URL=redis://…/N), xdist worker k uses database N − 1 − k: tests empty
    the cache (throttles), which must not wipe another worker's keys in the middle of its test, nor
    those of tests that use CACHE_URL's own database with a key prefix. Without xdist, N itself.
    (SQLite test databases are per process already; PostgreSQL ones get pytest-django's _gwK suffix.)"""
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION", "")
    number = xdist_worker_number()
    match = re.fullmatch(r"(rediss?://[^/]*/)(\d+)", str(location))
    if number is None or not match:
        yield
        return
    database = int(match.group(2)) - 1 - number
    if database < 0:
        pytest.exit(f"Not enough Redis databases below {match.group(2)} for xdist worker gw{number}.")
    caches = {"default": {**settings.CACHES["default"], "LOCATION": f"{match.group(1)}{database}"}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    # A test that renders in French without a request (or whose request leaves French active in
    # this thread) must not make the next test French: every test starts in the default language.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def demo_on(settings):
    """Demo mode (PILOTIS_DEMO), which `load_demo` needs."""
    settings.PILOTIS_DEMO = True


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s per user on 2 cores; the suite creates many users and logs in often.
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttle counters and cached summaries live in the cache: a test starts from an empty one
    # (primary keys are reused from test to test, so a counter would follow a user into the next).
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    from django.core.cache.backends.redis import RedisCache

    from ppm.memo import memo_clear

    memo_clear()  # what the process keeps besides the cache (rendered menus, dashboard data)
    cache.clear()
    if isinstance(caches["default"], RedisCache):
        # A Redis database left empty looks free to tests/test_worker.py, which picks an empty one
        # for its broker: a key marks it taken while this session uses it as its cache.
        cache.set("pilotis-test-cache-in-use", 1, None)


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def directorate(db):
    return DirectorateFactory(code="DSI", name="Direction des systèmes d'information")


@pytest.fixture
def make_user(db):
    def _make(role=Role.READER, **kwargs):
        kwargs.setdefault("username", f"{role}-{UserFactory._meta.model.objects.count() + 1}")
        return UserFactory(role=role, **kwargs)

    return _make


@pytest.fixture
def admin_user_(make_user):
    return make_user(Role.ADMINISTRATOR, username="admin1", is_staff=True, is_superuser=True)


@pytest.fixture
def pmo_user(make_user):
    return make_user(Role.PROJECT_OFFICE, username="pmo1")


@pytest.fixture
def manager_user(make_user):
    return make_user(Role.PROJECT_MANAGER, username="manager1")


@pytest.fixture
def other_manager(make_user):
    return make_user(Role.PROJECT_MANAGER, username="manager2")


@pytest.fixture
def committee_user(make_user):
    return make_user(Role.COMMITTEE_MEMBER, username="committee1")


@pytest.fixture
def contributor_user(make_user):
    return make_user(Role.CONTRIBUTOR, username="contributor1")


@pytest.fixture
def reader_user(make_user):
    return make_user(Role.READER, username="reader1")


@pytest.fixture
def api_client():
    return APIClient()


_DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


# The data migrations whose rows the tests read: reference data and the Celery beat schedules.
_REFERENCE_DATA_MIGRATIONS = [
    ("resources.migrations.0002_reference_data", "forwards"),
    ("governance.migrations.0002_steering_alert_rules", "create"),
    ("ppm.migrations.0004_reports_housekeeping_schedule", "create_schedules"),
    ("portfolio.migrations.0002_nightly_portfolio_snapshot_schedule", "create_schedule"),
    ("resources.migrations.0005_capacity_schedules", "create_schedules"),
    ("resources.migrations.0006_timesheets_reminders", "create_schedule"),
    ("budgets.migrations.0002_lines_report_schedule", "create_schedule"),
    ("budgets.migrations.0003_contracts_alert_digest", "create_schedule"),
    ("governance.migrations.0003_flash_reminders", "create_schedule"),
    ("budgets.migrations.0006_costing_snapshot", "create_schedule"),
]


@pytest.fixture(autouse=True)
def reference_data(request):
    """The reference data the migrations create (role profiles, the default ratio template, non-project
    activities, the default alert rules, the beat schedules), put back for tests that run after a
    transactional test flushed the database (browser tests do, on PostgreSQL's run); cheap when it is
    there (one query)."""
    if not (_DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        yield
        return
    # pytest-django's own set-up, as the test asked for it (a transaction or not).
    request.getfixturevalue("_django_db_helper")
    ensure_reference_data()
    yield


def ensure_reference_data() -> None:
    import importlib

    from django.apps import apps

    from resources.models import Profile

    if not Profile.objects.exists():
        from django.db import connection, transaction

        # A replayed migration queues nothing: what its writes register to run on commit (the costing's
        # "data changed" count and its message to a broker no worker reads in tests, alert evaluations)
        # would otherwise stand in for the test's own writes. In one transaction, so that nothing runs
        # at once under autocommit (transactional tests) either.
        with transaction.atomic():
            queued = len(connection.run_on_commit)
            for module, function in _REFERENCE_DATA_MIGRATIONS:
                getattr(importlib.import_module(module), function)(apps, None)
            del connection.run_on_commit[queued:]


@pytest.fixture(scope="module")
def module_data_context(django_db_setup):
    """What ppm.testing.module_data's loads run with: each test's settings and data (the fast password
    hasher, the reference data); returns the function that puts the data back."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield ensure_reference_data
