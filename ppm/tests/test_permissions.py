"""The rule-table machinery of ppm.permissions, on a table of its own (no domain app needed)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from ppm.permissions import EDITORS, SIGNED_IN, FieldGroup, Rule, RuleTable, TablePermission, requires
from ppm.roles import Role

pytestmark = pytest.mark.django_db


class Thing:
    """A stand-in object owned by a user."""

    def __init__(self, owner_id):
        self.owner_id = owner_id
        self.pk = 7


def owns(user, thing) -> bool:
    return thing.owner_id == user.pk


TABLE = RuleTable(
    "test-things",
    rules=[
        Rule("thing.view", roles=SIGNED_IN),
        Rule("thing.create", roles=EDITORS),
        Rule("thing.change", roles=EDITORS),
        Rule("thing.change", roles={Role.CONTRIBUTOR}, when=owns),
        Rule("thing.change_owner", roles=EDITORS),
    ],
    messages={"thing.create": "Only editors create things."},
    field_groups=[FieldGroup("thing.change", ("title",)), FieldGroup("thing.change_owner", ("owner",))],
    register=False,  # not an app's table: the permissions matrix must not see it
)


def test_only_app_tables_are_registered():
    from ppm.permissions import TABLES

    assert TABLE not in TABLES.values()
    assert "ppm" in TABLES


def test_rules_add_up_and_ownership_needs_an_object(make_user):
    contributor = make_user(Role.CONTRIBUTOR)
    assert TABLE.allows(contributor, "thing.change", Thing(contributor.pk))
    assert not TABLE.allows(contributor, "thing.change", Thing(contributor.pk + 1))
    assert not TABLE.allows(contributor, "thing.change")  # no object, no ownership
    assert TABLE.may_on_some(contributor, "thing.change")


def test_anonymous_inactive_and_superusers(make_user, admin_user_):
    from django.contrib.auth.models import AnonymousUser

    assert not TABLE.allows(AnonymousUser(), "thing.view")
    assert not TABLE.allows(make_user(Role.PROJECT_OFFICE, is_active=False), "thing.create")
    superuser = make_user(Role.READER, is_superuser=True)
    assert TABLE.allows(superuser, "thing.create"), "a superuser counts as an administrator"


def test_check_raises_the_actions_message_and_unknown_actions_are_errors(make_user):
    with pytest.raises(PermissionDenied, match="Only editors create things."):
        TABLE.check(make_user(Role.READER), "thing.create")
    with pytest.raises(KeyError):
        TABLE.allows(make_user(Role.READER), "thing.fly")


def test_fields_editable_are_those_of_the_allowed_actions(make_user):
    contributor, pmo = make_user(Role.CONTRIBUTOR), make_user(Role.PROJECT_OFFICE)
    thing = Thing(contributor.pk)
    assert TABLE.fields_editable(contributor, thing, entity="thing") == {"title"}
    assert TABLE.fields_editable(pmo, thing, entity="thing") == {"title", "owner"}
    assert TABLE.fields_editable(make_user(Role.READER), thing, entity="thing") == set()


def test_rules_refuse_unknown_roles_and_field_groups_of_undeclared_actions():
    with pytest.raises(ValueError, match="unknown roles"):
        Rule("thing.view", roles={"king"})
    with pytest.raises(ValueError, match="undeclared"):
        RuleTable(
            "broken",
            rules=[Rule("a.view", roles=SIGNED_IN)],
            field_groups=[FieldGroup("a.change", ("x",))],
            register=False,
        )


def test_requires_sends_anonymous_visitors_to_sign_in_and_refuses_with_403(make_user):
    from django.contrib.auth.models import AnonymousUser

    @requires(TABLE, "thing.create")
    def create(request):
        return "created"

    @requires(TABLE, "thing.change", loader=lambda request, pk: Thing(owner_id=request.user.pk))
    def edit(request, pk, obj):
        return f"editing {obj.pk}"

    request = RequestFactory().get("/things/new/")
    request.user = AnonymousUser()
    assert create(request).status_code == 302
    request.user = make_user(Role.READER)
    with pytest.raises(PermissionDenied):
        create(request)
    request.user = make_user(Role.PROJECT_OFFICE)
    assert create(request) == "created"
    request.user = make_user(Role.CONTRIBUTOR)
    assert edit(request, pk=7) == "editing 7"


class ThingViewSet(viewsets.ViewSet):
    permission_classes = [TablePermission]
    rules = TABLE
    rule_entity = "thing"

    def list(self, request):
        return Response([])

    def create(self, request):
        return Response({}, status=201)


@pytest.mark.parametrize(
    ("role", "method", "expected"),
    [
        (Role.READER, "get", 200),
        (Role.READER, "post", 403),
        (Role.PROJECT_OFFICE, "post", 201),
        (Role.PROJECT_OFFICE, "delete", 405),  # no handler: 405, not an error about an undeclared rule
        (None, "get", 401),
    ],
)
def test_table_permission_maps_view_actions_to_rules(make_user, role, method, expected):
    view = ThingViewSet.as_view({"get": "list", "post": "create"})
    request = getattr(APIRequestFactory(), method)("/things/")
    if role is not None:
        force_authenticate(request, user=make_user(role))
    response = view(request)
    assert response.status_code == expected
    if expected == 403:
        assert response.data["detail"] == "Only editors create things."
