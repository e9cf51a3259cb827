"""Who may do what: one declared table of rules per app, read by services, pages, the API and tests.

Each app declares its table once in its ``permissions.py`` (this module holds the core's: directorates,
users, API tokens, the audit log)::

    RULES = RuleTable(
        "budgets",
        rules=[
            Rule("order.view", roles=SIGNED_IN),
            Rule("order.change", roles=EDITORS),
            Rule("order.change", roles={Role.CONTRIBUTOR}, when=wrote_it),  # ownership
        ],
        messages={"order.change": _("Only the project office and its author change an order.")},
        field_groups=[FieldGroup("order.change", ("label", "notes"))],
    )

* Actions are named ``<entity>.<verb>`` (``order.view``, ``directorate.create``, ...), unique across
  apps. Several rules for one action add up: any rule that grants, grants.
* A rule grants to the roles it lists; with an ownership predicate ``when(user, obj)``, only for the
  objects it is true of (and never when there is no object to look at).
* Nobody who is anonymous or inactive is granted anything; a superuser counts as an administrator.
* Field groups say which fields an action lets a user change (`RuleTable.fields_editable`).

The readers of a table, and nothing else decides:
* services: ``RULES.check(actor, "order.change", order)`` raises PermissionDenied (403);
* selectors: ``<entity>_visible_to(user)`` scopes and ``<entity>_get_for_user(*, user, pk, action)``
  (built on `get_for_user`): Http404 when the object is not visible to the user, PermissionDenied
  when it is but the action is not allowed;
* pages: the `requires` decorator; templates: ``{% load access %}{% if user|may:"order.create" %}``;
* the API: the `TablePermission` class (``rules``, ``rule_entity`` and ``rule_actions`` on the view).

The permissions matrix test (tests/test_permissions_matrix.py) states every table's expected
role × action × ownership answers and checks every endpoint against them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions as drf_permissions

from ppm.roles import Role

Predicate = Callable[[Any, Any], bool]

ALL_ROLES = frozenset(Role.values)
SIGNED_IN = ALL_ROLES
EDITORS = frozenset({Role.ADMINISTRATOR.value, Role.PROJECT_OFFICE.value})
ADMINISTRATORS = frozenset({Role.ADMINISTRATOR.value})


def role_of(user) -> str | None:
    """The role rules see: None for anonymous or inactive users, "admin" for superusers."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMINISTRATOR.value
    role = getattr(user, "role", None)
    return str(role) if role else None


@dataclass(frozen=True)
class Rule:
    """`roles` may do `action`; with `when`, only on the objects `when(user, obj)` is true of."""

    action: str
    roles: frozenset[str]
    when: Predicate | None = None

    def __init__(self, action: str, roles: Iterable[str], when: Predicate | None = None):
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "roles", frozenset(str(role) for role in roles))
        object.__setattr__(self, "when", when)
        unknown = self.roles - ALL_ROLES
        if unknown:
            raise ValueError(f"Rule {action!r}: unknown roles {sorted(unknown)}")

    def grants(self, user, obj=None) -> bool:
        if role_of(user) not in self.roles:
            return False
        if self.when is None:
            return True
        return obj is not None and bool(self.when(user, obj))


@dataclass(frozen=True)
class FieldGroup:
    """The fields of an entity that users allowed to do `action` on an object may change."""

    action: str
    fields: tuple[str, ...]


TABLES: dict[str, "RuleTable"] = {}  # every declared table, by name (apps declare theirs on import)


def table_for(action: str) -> "RuleTable":
    """The declared table holding `action` (action names are unique across apps: they name an entity)."""
    for table in TABLES.values():
        if any(rule.action == action for rule in table.rules):
            return table
    raise KeyError(f"No rule table declares the action {action!r}")


@dataclass
class RuleTable:
    name: str
    rules: list[Rule]
    messages: dict[str, str | Promise] = field(default_factory=dict)
    field_groups: list[FieldGroup] = field(default_factory=list)
    register: bool = True  # False for a table that is not an app's (tests)

    def __post_init__(self) -> None:
        declared = set(self.actions())
        for group in self.field_groups:
            if group.action not in declared:
                raise ValueError(f"{self.name}: field group of undeclared action {group.action!r}")
        if self.register:
            TABLES[self.name] = self

    def actions(self) -> list[str]:
        """Every action of the table, in declaration order."""
        return list(dict.fromkeys(rule.action for rule in self.rules))

    def _rules(self, action: str) -> list[Rule]:
        # By action, worked out once per table (a list page asks for each row: `allows` 1,000 times).
        by_action = self.__dict__.get("_by_action")
        if by_action is None:
            by_action = {}
            for rule in self.rules:
                by_action.setdefault(rule.action, []).append(rule)
            self.__dict__["_by_action"] = by_action
        rules = by_action.get(action)
        if not rules:
            raise KeyError(f"{self.name}: no rule declares the action {action!r}")
        return rules

    def allows(self, user, action: str, obj=None) -> bool:
        """May `user` do `action` (on `obj`, when the action is about one object)? (Rule.grants, with
        the user's role worked out once rather than once per rule.)"""
        role = role_of(user)
        for rule in self._rules(action):
            if role in rule.roles and (rule.when is None or (obj is not None and bool(rule.when(user, obj)))):
                return True
        return False

    def may_on_some(self, user, action: str) -> bool:
        """Could `user` do `action` on at least some object (their role appears in a rule)?"""
        role = role_of(user)
        return any(role in rule.roles for rule in self._rules(action))

    def message(self, action: str) -> str:
        self._rules(action)
        return str(self.messages.get(action) or _("You may not do this."))

    def check(self, user, action: str, obj=None) -> None:
        """Raise PermissionDenied, with the action's message, unless `user` may do `action`."""
        if not self.allows(user, action, obj):
            raise PermissionDenied(self.message(action))

    def fields_editable(self, user, obj, *, entity: str | None = None) -> frozenset[str]:
        """Fields of `obj` that `user` may change: those of every field group whose action they may do."""
        entity = entity or obj._meta.model_name
        editable: set[str] = set()
        for group in self.field_groups:
            if group.action.split(".", 1)[0] == entity and self.allows(user, group.action, obj):
                editable.update(group.fields)
        return frozenset(editable)

    def fields_of(self, entity: str) -> frozenset[str]:
        """Every field the table's field groups of `entity` name."""
        return frozenset(
            name
            for group in self.field_groups
            if group.action.split(".", 1)[0] == entity
            for name in group.fields
        )


# --------------------------------------------------------------------------------------- the API

# View actions of DRF viewsets, then HTTP methods (plain API views), mapped to rule verbs.
VIEW_ACTION_VERBS = {
    "list": "view",
    "retrieve": "view",
    "create": "create",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}
METHOD_VERBS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "create",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class TablePermission(drf_permissions.BasePermission):
    """The one DRF permission class: reads the view's rule table.

    The view declares ``rules`` (a RuleTable) and ``rule_entity`` ("project"); the rule action is
    ``<rule_entity>.<verb>``, the verb coming from ``rule_actions`` (view action → verb or full action
    name), then from the standard view actions, then from the HTTP method. Actions on a collection
    (list, create) are decided by `has_permission`; actions on one object by `has_object_permission`
    once the object is found (so an unknown object stays a 404).
    """

    def _action(self, request, view) -> str:
        view_action = getattr(view, "action", None)
        custom = getattr(view, "rule_actions", {}) or {}
        verb = (
            custom.get(view_action) or VIEW_ACTION_VERBS.get(view_action or "") or custom.get(request.method)
        )
        verb = verb or METHOD_VERBS.get(request.method, "change")
        return verb if "." in verb else f"{view.rule_entity}.{verb}"

    def _allows(self, request, view, obj=None) -> bool:
        action = self._action(request, view)
        if action not in view.rules.actions():
            self.message = _("You may not do this.")  # an action nobody declared: refused
            return False
        if view.rules.allows(request.user, action, obj):
            return True
        self.message = view.rules.message(action)
        return False

    def has_permission(self, request, view) -> bool:
        if role_of(request.user) is None:
            return False
        if getattr(view, "action", "") is None:
            return True  # no handler for this method: the view answers 405
        if getattr(view, "detail", False) or "pk" in getattr(view, "kwargs", {}):
            return True  # decided on the object
        return self._allows(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return self._allows(request, view, obj)


# -------------------------------------------------------------------------------- permission-checked fetch


def get_for_user(
    queryset: QuerySet, *, table: RuleTable, user, pk, action: str, not_found: str | Promise = ""
):
    """The object `pk` of `queryset` (the user's visible scope) if `user` may do `action` on it.

    Http404 when it is not in the scope (or `pk` is not a valid id), PermissionDenied (403) when it is
    but the action is not allowed. The `<entity>_get_for_user` selectors of every app use it.
    """
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(not_found or _("No such object.")) from None
    table.check(user, action, obj)
    return obj


# ------------------------------------------------------------------------------------------ pages


def requires(table: RuleTable, action: str, *, loader: Callable[..., Any] | None = None):
    """Page decorator: sign-in required (anonymous → login page), then `action` of `table` allowed.

    With `loader(request, **kwargs)`, the object is loaded first (it raises Http404 when the object
    is not visible), the rule is checked against it, and the view receives it as ``obj=``.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if loader is None:
                table.check(request.user, action)
                return view(request, *args, **kwargs)
            obj = loader(request, **kwargs)
            table.check(request.user, action, obj)
            return view(request, *args, obj=obj, **kwargs)

        wrapper.rule_table = table  # type: ignore[attr-defined]
        wrapper.rule_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorate


# ---------------------------------------------------------------------------- the core's own rules


def _is_self(user, obj) -> bool:
    return getattr(obj, "pk", None) is not None and obj.pk == user.pk


def _not_an_administrator(user, obj) -> bool:
    return not (obj.is_superuser or obj.role == Role.ADMINISTRATOR)


def _owns(user, obj) -> bool:
    return getattr(obj, "user_id", None) is not None and obj.user_id == user.pk


RULES = RuleTable(
    "ppm",
    rules=[
        Rule("directorate.view", roles=SIGNED_IN),
        Rule("directorate.create", roles=EDITORS),
        Rule("directorate.change", roles=EDITORS),
        Rule("user.view", roles=SIGNED_IN),
        # Managing accounts: the list, creation, changes of role, directorate or active flag.
        Rule("user.manage", roles=EDITORS),
        Rule("user.create", roles=EDITORS),
        # The project office changes every account but an administrator's.
        Rule("user.change", roles=ADMINISTRATORS),
        Rule("user.change", roles={Role.PROJECT_OFFICE.value}, when=_not_an_administrator),
        # Only administrators grant or withdraw the administrator role (or change an administrator).
        Rule("user.grant_admin", roles=ADMINISTRATORS),
        # Everyone manages their own tokens; the visible scope is the user's own (404 for others').
        Rule("apitoken.view", roles=SIGNED_IN),
        Rule("apitoken.create", roles=SIGNED_IN),
        Rule("apitoken.delete", roles=SIGNED_IN, when=_owns),
        Rule("auditentry.view", roles=EDITORS),
        # Pages of reference data and accounts (the "Manage" menu).
        Rule("manage.view", roles=EDITORS),
    ],
    messages={
        "directorate.create": _("Only the project office and administrators manage directorates."),
        "directorate.change": _("Only the project office and administrators manage directorates."),
        "user.manage": _("Only the project office and administrators manage users."),
        "user.create": _("Only the project office and administrators manage users."),
        "user.change": _(
            "Only the project office and administrators manage users; only administrators change an "
            "administrator's account."
        ),
        "user.grant_admin": _(
            "Only administrators make someone an administrator or change an administrator."
        ),
        "apitoken.delete": _("You have no API token with this id."),
        "auditentry.view": _("Only the project office and administrators read the audit log."),
        "manage.view": _("Only the project office and administrators manage reference data and users."),
    },
    field_groups=[
        FieldGroup("user.change", ("first_name", "last_name", "email", "role", "directorate", "is_active")),
    ],
)
