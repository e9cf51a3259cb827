"""ppm.prefetch.prefetch_lists: what prefetch_related gives, in one query, as plain lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ppm.models import Directorate, User
from ppm.prefetch import prefetch_lists
from ppm.tests.factories import DirectorateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _tree():
    parents = [DirectorateFactory(name=f"Parent {n}") for n in range(3)]
    for parent, count in zip(parents, (2, 0, 3), strict=True):
        for n in range(count):
            DirectorateFactory(name=f"Child {count - n} of {parent.name}", parent=parent)
    return parents


def test_the_rows_and_their_order_are_the_prefetchs_in_one_query():
    _tree()
    expected = {
        d.pk: [child.pk for child in d.children.all()]
        for d in Directorate.objects.filter(parent=None).prefetch_related("children")
    }
    parents = list(Directorate.objects.filter(parent=None))
    with CaptureQueriesContext(connection) as queries:
        prefetch_lists(parents, "children")
    assert len(queries.captured_queries) == 1
    with CaptureQueriesContext(connection) as queries:
        got = {d.pk: [child.pk for child in d.children.all()] for d in parents}
        # Each row knows its parent without a query, and a parent without rows has an empty list.
        assert all(child.parent is d for d in parents for child in d.children.all())
        assert [len(d.children.all()) for d in parents] == [2, 0, 3]
    assert queries.captured_queries == []
    assert got == expected


def test_a_queryset_orders_and_narrows_the_rows_and_nothing_is_asked_for_no_object():
    parents = _tree()
    prefetch_lists(
        parents, "children", Directorate.objects.order_by("-name").filter(name__startswith="Child 1")
    )
    assert [[c.name for c in p.children.all()] for p in parents] == [
        ["Child 1 of Parent 0"],
        [],
        ["Child 1 of Parent 2"],
    ]
    with CaptureQueriesContext(connection) as queries:
        prefetch_lists([], "children")
    assert queries.captured_queries == []


def test_a_relation_to_another_model():
    directorate = DirectorateFactory()
    UserFactory(username="b-member", directorate=directorate)
    UserFactory(username="a-member", directorate=directorate)
    prefetch_lists([directorate], "members", User.objects.order_by("username"))
    assert [user.username for user in directorate.members.all()] == ["a-member", "b-member"]


def test_other_relations_are_refused():
    user = UserFactory(username="m2m")
    with pytest.raises(TypeError, match="not a reverse foreign key"):
        prefetch_lists([user], "groups")
