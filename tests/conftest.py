"""Fixtures of the cross-app tests: a small shared portfolio."""

import copy

import pytest

from ppm.testing import module_data
from tests.helpers import build_world


@pytest.fixture
def world(db):
    """A user per role (username = role value), two directorates, three objectives, four projects."""
    return build_world()


# The same portfolio written once per module, for modules of many short tests (the permissions
# matrices: thousands of requests). A module opts in by overriding `world` with a fixture that returns
# `shared_world_copy`. Each test gets its own copy of the objects (a test may change them in memory)
# and its own savepoint.
shared_world = module_data(build_world)


@pytest.fixture
def shared_world_copy(shared_world, db):
    return copy.deepcopy(shared_world)
