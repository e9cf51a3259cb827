"""Fixtures of the cross-app tests: a small shared portfolio."""

import pytest

from tests.helpers import build_world


@pytest.fixture
def world(db):
    """A user per role (username = role value), two directorates, three objectives, four projects."""
    return build_world()
