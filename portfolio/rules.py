"""Pure lifecycle rules of a project: the transition table and its guards. No ORM here."""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    DEMAND = "demand", _("Demand")
    FRAMING = "framing", _("Framing")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = frozenset(
    {ProjectStatus.DEMAND, ProjectStatus.FRAMING, ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS}
)
TERMINAL_STATUSES = frozenset({ProjectStatus.CLOSED, ProjectStatus.CANCELLED})


@dataclass(frozen=True)
class Transition:
    name: str
    source: ProjectStatus
    target: ProjectStatus
    label: str | Promise


# The lifecycle as data. Action names are stable identifiers used by the UI and the API.
TRANSITIONS: tuple[Transition, ...] = (
    Transition("start_framing", ProjectStatus.DEMAND, ProjectStatus.FRAMING, _("Start framing")),
    Transition("approve", ProjectStatus.FRAMING, ProjectStatus.APPROVED, _("Approve")),
    Transition("start", ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS, _("Start")),
    Transition("close", ProjectStatus.IN_PROGRESS, ProjectStatus.CLOSED, _("Close")),
    *(
        Transition("put_on_hold", source, ProjectStatus.ON_HOLD, _("Put on hold"))
        for source in (
            ProjectStatus.DEMAND,
            ProjectStatus.FRAMING,
            ProjectStatus.APPROVED,
            ProjectStatus.IN_PROGRESS,
        )
    ),
    *(
        Transition("cancel", source, ProjectStatus.CANCELLED, _("Cancel"))
        for source in (
            ProjectStatus.DEMAND,
            ProjectStatus.FRAMING,
            ProjectStatus.APPROVED,
            ProjectStatus.IN_PROGRESS,
            ProjectStatus.ON_HOLD,
        )
    ),
)
TRANSITION_NAMES = tuple(dict.fromkeys(t.name for t in TRANSITIONS))

# Resuming from hold returns the project to the state it was in before the hold.
RESUME = "resume"


class TransitionError(Exception):
    """An illegal move; the message is shown to the user as it is."""


@dataclass(frozen=True)
class ProjectFacts:
    """What the guards need to know of a project, gathered by the caller."""

    status: str
    has_manager: bool
    planned_start: date | None
    planned_end: date | None
    status_before_hold: str | None = None


def available_transitions(facts: ProjectFacts) -> list[tuple[str, str, str]]:
    """(name, target, label) of every move the table allows from the current status."""
    moves = [(t.name, str(t.target), str(t.label)) for t in TRANSITIONS if t.source == facts.status]
    if facts.status == ProjectStatus.ON_HOLD and facts.status_before_hold:
        moves.insert(0, (RESUME, facts.status_before_hold, str(_("Resume"))))
    return moves


def resolve_transition(facts: ProjectFacts, action: str) -> ProjectStatus:
    """Target status of `action`, or TransitionError saying why the move is refused."""
    if action == RESUME:
        if facts.status != ProjectStatus.ON_HOLD or not facts.status_before_hold:
            raise TransitionError(_("Only a project on hold can be resumed."))
        target = ProjectStatus(facts.status_before_hold)
    else:
        matches = [t for t in TRANSITIONS if t.name == action]
        if not matches:
            raise TransitionError(_("Unknown lifecycle action “%(action)s”.") % {"action": action})
        move = next((t for t in matches if t.source == facts.status), None)
        if move is None:
            raise TransitionError(
                _("“%(action)s” is not possible from the status “%(status)s”.")
                % {"action": matches[0].label, "status": ProjectStatus(facts.status).label}
            )
        target = move.target
    check_guards(facts, target)
    return target


def check_guards(facts: ProjectFacts, target: ProjectStatus) -> None:
    needs_plan = {ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS, ProjectStatus.CLOSED}
    if target in needs_plan:
        missing = []
        if not facts.has_manager:
            missing.append(str(_("a project manager")))
        if facts.planned_start is None:
            missing.append(str(_("a planned start date")))
        if facts.planned_end is None:
            missing.append(str(_("a planned end date")))
        if missing:
            raise TransitionError(
                _("The project cannot become “%(status)s” without %(missing)s.")
                % {"status": target.label, "missing": ", ".join(missing)}
            )
    validate_dates(facts.planned_start, facts.planned_end)


def validate_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise TransitionError(_("The planned end date must not be before the planned start date."))
