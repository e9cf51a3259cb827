"""The in_ids lookup (ppm.lookups): the same rows as IN, the subquery first on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery

from ppm.models import Directorate, User
from ppm.testing import captured_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    north, south, empty = (Directorate.objects.create(code=c, name=c) for c in ("N", "S", "E"))
    users = {
        name: User.objects.create(username=name, directorate=where)
        for name, where in (("ann", north), ("bob", north), ("cyd", south), ("dan", None))
    }
    return {"north": north, "south": south, "empty": empty, **users}


def first_member_ids():
    """Each directorate's first member, NULL for a directorate without one."""
    first = User.objects.filter(directorate_id=OuterRef("pk")).order_by("username").values("pk")[:1]
    return Directorate.objects.annotate(first=Subquery(first)).values("first")


def test_the_rows_of_in_and_nulls_match_nothing(people):
    chosen = User.objects.filter(pk__in_ids=first_member_ids())
    assert sorted(chosen.values_list("username", flat=True)) == ["ann", "cyd"]
    assert set(chosen) == set(User.objects.filter(pk__in=first_member_ids()))


def test_on_a_foreign_key(people):
    north_or_south = Directorate.objects.filter(code__in=["N", "S"]).values("pk")
    members = User.objects.filter(directorate_id__in_ids=north_or_south).order_by("username")
    assert list(members.values_list("username", flat=True)) == ["ann", "bob", "cyd"]
    assert list(User.objects.filter(directorate__in_ids=north_or_south).order_by("username")) == list(members)


def test_the_subquery_is_worked_out_first_on_postgresql(people):
    (sql,) = captured_queries(lambda: list(User.objects.filter(pk__in_ids=first_member_ids())))
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(SELECT" in sql
    else:
        assert " IN (SELECT" in sql


def test_a_list_is_refused():
    with pytest.raises(TypeError, match="subquery"):
        User.objects.filter(pk__in_ids=[1, 2])
