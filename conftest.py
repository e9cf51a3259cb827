"""Fixtures shared by every app's tests: one user per role, the API client."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from ppm.roles import Role
from ppm.tests.factories import DEFAULT_PASSWORD, DirectorateFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s per user on 2 cores; the suite creates many users and logs in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttle counters and cached summaries live in the cache: a test starts from an empty one
    # (primary keys are reused from test to test, so a counter would follow a user into the next).
    cache.clear()
    yield
    cache.clear()


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
