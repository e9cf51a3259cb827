"""Lifecycles as data: a state machine any app declares once and every page, API and service reads.

An app describes its lifecycle with a ``Machine`` (its states and ``Transition`` s) in its pure
``rules.py``, gathers the ``facts`` the guards need (any object with a ``status`` attribute, usually a
frozen dataclass) and calls:

* ``available(machine, facts, actor=None)``: the moves offered from the current state, in table order,
  each with its target, label, ``confirm`` flag and, when a guard refuses it now, the reason
  (``refusal``); moves the actor's role may not make are left out;
* ``resolve(machine, facts, action, actor=None, comment="")``: the target state, or
  IllegalTransitionError (409) saying why the move is refused (unknown action, wrong state, a guard),
  DomainPermissionError (403) when the actor's role may not make it, DomainValidationError (400,
  field ``comment``) when the move needs a reason and none was given.

A ``Transition`` has:

* ``name``: a stable identifier (API and forms); ``label``: what the button says;
* ``sources``: the states it leaves from; ``target``: a state, or a callable ``facts -> state | None``
  (e.g. "resume" returns to the state before a hold; None means the move is not possible now);
* ``guards``: callables ``(facts, target) -> message | None``; every message is collected and the first
  one is reported (so a guard can list everything missing at once);
* ``confirm``: the move is irreversible (or hard to undo): the UI asks for confirmation first;
* ``primary``: the move the UI may offer as the main button (never an irreversible one);
* ``allowed``: a hook ``actor -> bool`` restricting the move to some roles (None: whoever may change
  the object's status at all, which the app's permissions decide);
* ``requires_comment``: the move needs a reason (e.g. reopening a closed project);
* ``wrong_source_message``: what to say when the move is asked from another state (default: the
  machine's generic "not possible from the status" message).

The status history of an object is a concrete subclass of the abstract ``StatusChange`` model
(source, target, action, comment, actor, at), with a foreign key to the object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ppm.exceptions import DomainPermissionError, DomainValidationError, IllegalTransitionError

Guard = Callable[[Any, str], "str | Promise | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str | Callable[[Any], str | None]
    label: str | Promise
    guards: tuple[Guard, ...] = ()
    confirm: bool = False
    confirm_message: str | Promise = ""
    primary: bool = False
    allowed: Callable[[Any], bool] | None = None
    requires_comment: bool = False
    wrong_source_message: str | Promise = ""

    def target_for(self, facts) -> str | None:
        return self.target(facts) if callable(self.target) else self.target


@dataclass(frozen=True)
class Machine:
    """A lifecycle: its states (value → label) and its transitions, in the order the UI offers them."""

    name: str
    states: Sequence[tuple[str, str | Promise]]
    transitions: tuple[Transition, ...]
    final: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: each transition name appears once")
        known = {value for value, _label in self.states}
        for transition in self.transitions:
            unknown = set(transition.sources) - known
            if not callable(transition.target):
                unknown |= {transition.target} - known
            if unknown:
                raise ValueError(f"{self.name}.{transition.name}: unknown states {sorted(unknown)}")

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.transitions)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def state_label(self, value: str) -> str:
        return str(dict(self.states).get(value, value))


@dataclass(frozen=True)
class Move:
    """A move offered from the current state (see ``available``)."""

    name: str
    target: str
    label: str
    confirm: bool
    confirm_message: str
    primary: bool
    requires_comment: bool
    refusal: str | None  # why a guard refuses it now; None when it can be made

    def __iter__(self):
        # Unpacks as (name, target, label), the shape pages and serializers used before.
        return iter((self.name, self.target, self.label))


class Moves(list):
    """The moves ``available`` returns, with what a page needs to lay them out."""

    @property
    def direct(self) -> list[Move]:
        """Moves made with one form (optional comment); irreversible ones ask for confirmation."""
        return [move for move in self if not move.requires_comment]

    @property
    def with_reason(self) -> list[Move]:
        """Moves that need a reason, each with its own form."""
        return [move for move in self if move.requires_comment]

    @property
    def primary(self) -> str | None:
        """The move to show as the main button: the first primary one, never an irreversible one."""
        return next((move.name for move in self if move.primary), None)


def _refusal(transition: Transition, facts, target: str) -> str | None:
    for guard in transition.guards:
        message = guard(facts, target)
        if message:
            return str(message)
    return None


def _role_allows(transition: Transition, actor) -> bool:
    return actor is None or transition.allowed is None or bool(transition.allowed(actor))


def available(machine: Machine, facts, *, actor=None) -> Moves:
    """Moves from ``facts.status`` in table order; those whose role hook refuses `actor` are left out
    (all are listed when `actor` is None). A move a guard refuses now carries the reason in `refusal`."""
    moves = Moves()
    for transition in machine.transitions:
        if facts.status not in transition.sources or not _role_allows(transition, actor):
            continue
        target = transition.target_for(facts)
        if target is None:
            continue
        moves.append(
            Move(
                name=transition.name,
                target=target,
                label=str(transition.label),
                confirm=transition.confirm,
                confirm_message=str(transition.confirm_message),
                primary=transition.primary and not transition.confirm,
                requires_comment=transition.requires_comment,
                refusal=_refusal(transition, facts, target),
            )
        )
    return moves


def resolve(machine: Machine, facts, action: str, *, actor=None, comment: str | None = None) -> str:
    """The state `action` leads to from ``facts.status``; raises when the move is refused (see module).

    `comment` is checked only when given (None: the caller does not collect reasons, e.g. listing the
    moves possible now)."""
    transition = machine.transition(action)
    if transition is None:
        raise IllegalTransitionError(
            _("Unknown lifecycle action “%(action)s”.") % {"action": action}, action=action
        )
    target = transition.target_for(facts) if facts.status in transition.sources else None
    if target is None:
        raise IllegalTransitionError(
            str(transition.wrong_source_message)
            or _("“%(action)s” is not possible from the status “%(status)s”.")
            % {"action": transition.label, "status": machine.state_label(facts.status)},
            action=action,
        )
    if not _role_allows(transition, actor):
        raise DomainPermissionError(
            _("Your role does not allow “%(action)s”.") % {"action": transition.label}
        )
    refusal = _refusal(transition, facts, target)
    if refusal:
        raise IllegalTransitionError(refusal, action=action)
    if transition.requires_comment and comment is not None and not comment.strip():
        raise DomainValidationError(
            field_errors={"comment": [_("Give the reason for “%(action)s”.") % {"action": transition.label}]},
            code="reason_required",
        )
    return target


class StatusChange(models.Model):
    """One move of an object through its lifecycle (append-only). Subclasses add the foreign key to
    the object and may redeclare ``source``/``target`` with their states as choices."""

    source = models.CharField(gettext_lazy("from"), max_length=20, blank=True)
    target = models.CharField(gettext_lazy("to"), max_length=20)
    action = models.CharField(gettext_lazy("action"), max_length=30)
    comment = models.TextField(gettext_lazy("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]
        verbose_name = gettext_lazy("status change")
        verbose_name_plural = gettext_lazy("status changes")
