"""ppm.usercache: a person's fact computed once, recomputed after its namespace is invalidated."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ppm.tests.factories import UserFactory
from ppm.usercache import cached_for_user, invalidate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PILOTIS_USER_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_a_fact_is_computed_once_per_generation_and_kept_even_when_falsy():
    user, other = UserFactory(), UserFactory()
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value

        return run

    assert cached_for_user("facts", user, compute(0)) == 0
    assert cached_for_user("facts", user, compute(1)) == 0  # cached: 0 and None are values too
    assert cached_for_user("facts", other, compute(None)) is None
    assert cached_for_user("facts", other, compute(2)) is None
    assert cached_for_user("facts", user, compute(3), variant="fr") == 3  # another variant
    assert calls == [0, None, 3]
    invalidate("facts")
    assert cached_for_user("facts", user, compute(4)) == 4
    assert cached_for_user("facts", other, compute(5)) == 5
    assert cached_for_user("other-namespace", user, compute(6)) == 6
    invalidate("other-namespace")
    assert cached_for_user("facts", user, compute(7)) == 4  # another namespace's change: kept
    assert calls == [0, None, 3, 4, 5, 6]


def test_a_cached_fact_costs_no_query():
    user = UserFactory()
    cached_for_user("facts", user, lambda: UserFactory._meta.model.objects.count())
    with CaptureQueriesContext(connection) as queries:
        cached_for_user("facts", user, lambda: UserFactory._meta.model.objects.count())
    assert len(queries) == 0
