"""The shared query-count helper fails when the count grows, and only then."""

import pytest

from ppm.models import Directorate
from ppm.testing import assert_same_queries_at_two_sizes


def _grow(n: int) -> None:
    start = Directorate.objects.count()
    Directorate.objects.bulk_create(
        Directorate(code=f"D{start + i}", name=f"D {start + i}") for i in range(n)
    )


@pytest.mark.django_db
def test_same_count_at_both_sizes_passes_and_returns_it():
    assert assert_same_queries_at_two_sizes(lambda: list(Directorate.objects.all()), grow=_grow) == 1


@pytest.mark.django_db
def test_a_query_per_row_fails():
    def per_row():
        for directorate in Directorate.objects.all():
            Directorate.objects.filter(pk=directorate.pk).exists()

    with pytest.raises(AssertionError, match="4 queries with 3 objects but 31 with 30"):
        assert_same_queries_at_two_sizes(per_row, grow=_grow)


@pytest.mark.django_db
def test_the_ceiling_holds():
    def two_queries():
        list(Directorate.objects.all())
        Directorate.objects.exists()

    with pytest.raises(AssertionError, match="more than the ceiling of 1"):
        assert_same_queries_at_two_sizes(two_queries, grow=_grow, ceiling=1)
