"""Fixtures of the cross-app tests: a fast password hasher and a small shared portfolio."""

import pytest

from tests.helpers import build_world


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s per user on 2 cores; these tests create many users and log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """A user per role (username = role value), two directorates, three objectives, four projects."""
    return build_world()
