"""Pure rules of the portfolio: the project lifecycle (as a ppm.lifecycle machine), the input limits and
the date rules. No ORM here. Models, services, forms and serializers import these: each rule is
written once."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ppm.exceptions import DomainValidationError, IllegalTransitionError
from ppm.lifecycle import Machine, Moves, Transition, available, resolve
from ppm.roles import is_portfolio_editor


class ProjectStatus(models.TextChoices):
    DEMAND = "demand", gettext_lazy("Demand")
    FRAMING = "framing", gettext_lazy("Framing")
    # The committee validated it (« Validé »).
    APPROVED = "approved", pgettext_lazy("project status", "Approved")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    ON_HOLD = "on_hold", gettext_lazy("On hold")
    CLOSED = "closed", gettext_lazy("Closed")
    # Stored as "cancelled"; the user-facing word is "abandoned" (« Abandonné »).
    CANCELLED = "cancelled", pgettext_lazy("project status", "Abandoned")
    NOT_RETAINED = "not_retained", pgettext_lazy("project status", "Not retained")


S = ProjectStatus
ACTIVE_STATUSES = frozenset({S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS})
TERMINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED, S.NOT_RETAINED})

# ------------------------------------------------------------------------------------ input limits

CODE_MAX_LENGTH = 30
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
CODE_MESSAGE = gettext_lazy("Use letters, digits, dots, dashes and underscores only.")
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 20_000
COMMENT_MAX_LENGTH = 2000
TAG_MAX_LENGTH = 50
MAX_TAGS = 20
MAX_OBJECTIVES = 100

# ------------------------------------------------------------------------------------- date rules

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)
MAX_PLAN_YEARS = 30


def code_is_valid(code: str) -> bool:
    return bool(re.fullmatch(CODE_PATTERN, code or "")) and len(code) <= CODE_MAX_LENGTH


def date_error(value: date | None) -> str | None:
    """Why `value` cannot be a planned date, or None."""
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        return _("Give a date between %(min)s and %(max)s.") % {
            "min": DATE_MIN.year,
            "max": DATE_MAX.year,
        }
    return None


def plan_errors(start: date | None, end: date | None) -> dict[str, str]:
    """Field → message for every date rule a plan breaks: dates in 1900–2200, end not before start,
    at most MAX_PLAN_YEARS years long. Empty when the plan is valid."""
    errors = {}
    for name, value in (("planned_start", start), ("planned_end", end)):
        message = date_error(value)
        if message:
            errors[name] = message
    if errors or not (start and end):
        return errors
    if end < start:
        errors["planned_end"] = _("The planned end date must not be before the planned start date.")
    elif (end.year - start.year, end.month, end.day) > (MAX_PLAN_YEARS, start.month, start.day):
        errors["planned_end"] = _("A plan lasts at most %(years)d years: check the dates.") % {
            "years": MAX_PLAN_YEARS
        }
    return errors


def check_plan(start: date | None, end: date | None) -> None:
    """DomainValidationError (field errors) when the plan breaks a date rule."""
    errors = plan_errors(start, end)
    if errors:
        raise DomainValidationError(field_errors={name: [message] for name, message in errors.items()})


def clean_tag_names(names: Iterable[str]) -> list[str]:
    """Tag names as stored: inner whitespace collapsed, empty ones dropped, duplicates (ignoring case)
    removed; DomainValidationError (field ``tags``) when one is too long or there are too many."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(str(raw).replace("\x00", "").split())
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise DomainValidationError(
                field_errors={
                    "tags": [
                        _("A tag has at most %(n)d characters: “%(tag)s…”.")
                        % {"n": TAG_MAX_LENGTH, "tag": name[:20]}
                    ]
                }
            )
        if name.casefold() not in seen:
            seen.add(name.casefold())
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise DomainValidationError(field_errors={"tags": [_("At most %(n)d tags.") % {"n": MAX_TAGS}]})
    return cleaned


# --------------------------------------------------------------------------------------- lifecycle


@dataclass(frozen=True)
class ProjectFacts:
    """What the guards need to know of a project, gathered by the caller."""

    status: str
    has_manager: bool
    planned_start: date | None
    planned_end: date | None
    status_before_hold: str | None = None
    # The last active status before the project was closed, abandoned or not retained (reopening).
    status_before_end: str | None = None


NEEDS_PLAN = frozenset({S.APPROVED, S.IN_PROGRESS, S.CLOSED})
# Where reopening leads when the status before the end is unknown (data older than the field).
REOPEN_FALLBACK = {S.CLOSED: S.IN_PROGRESS, S.CANCELLED: S.DEMAND, S.NOT_RETAINED: S.FRAMING}


def plan_guard(facts: ProjectFacts, target: str) -> str | None:
    """Approved, in progress and closed projects have a manager and valid planned dates."""
    if target in NEEDS_PLAN:
        missing = []
        if not facts.has_manager:
            missing.append(str(_("a project manager")))
        if facts.planned_start is None:
            missing.append(str(_("a planned start date")))
        if facts.planned_end is None:
            missing.append(str(_("a planned end date")))
        if missing:
            return _("The project cannot become “%(status)s” without %(missing)s.") % {
                "status": S(target).label,
                "missing": ", ".join(missing),
            }
    errors = plan_errors(facts.planned_start, facts.planned_end)
    return next(iter(errors.values()), None)


def _resume_target(facts: ProjectFacts) -> str | None:
    return facts.status_before_hold or None


def _reopen_target(facts: ProjectFacts) -> str | None:
    if facts.status_before_end in ACTIVE_STATUSES:
        return facts.status_before_end
    return REOPEN_FALLBACK.get(facts.status)  # type: ignore[call-overload]


_BEFORE_END = (S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS, S.ON_HOLD)

# The lifecycle as data, in the order the page offers the moves. Action names are stable identifiers
# of the UI and the API.
PROJECT_LIFECYCLE = Machine(
    name="project",
    states=S.choices,
    final=TERMINAL_STATUSES,
    transitions=(
        Transition(
            "start_framing",
            (S.DEMAND,),
            S.FRAMING,
            gettext_lazy("Start framing"),
            (plan_guard,),
            primary=True,
        ),
        # The committee's decision: « Valider » in French.
        Transition(
            "approve",
            (S.FRAMING,),
            S.APPROVED,
            pgettext_lazy("lifecycle action", "Approve"),
            (plan_guard,),
            primary=True,
        ),
        Transition("start", (S.APPROVED,), S.IN_PROGRESS, gettext_lazy("Start"), (plan_guard,), primary=True),
        Transition(
            "resume",
            (S.ON_HOLD,),
            _resume_target,
            gettext_lazy("Resume"),
            (plan_guard,),
            primary=True,
            wrong_source_message=gettext_lazy("Only a project on hold can be resumed."),
        ),
        Transition(
            "close",
            (S.IN_PROGRESS,),
            S.CLOSED,
            gettext_lazy("Close"),
            (plan_guard,),
            confirm=True,
            confirm_message=gettext_lazy(
                "Close this project? It leaves the active portfolio; only the project office can reopen it."
            ),
        ),
        Transition(
            "put_on_hold",
            (S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS),
            S.ON_HOLD,
            gettext_lazy("Put on hold"),
        ),
        # A demand the committee turns down ends as "not retained", not abandoned.
        Transition(
            "not_retain",
            (S.DEMAND, S.FRAMING),
            S.NOT_RETAINED,
            pgettext_lazy("lifecycle action", "Do not retain"),
            # The committee's decision, recorded by the project office.
            allowed=is_portfolio_editor,
            confirm=True,
            confirm_message=gettext_lazy(
                "Record that this demand is not retained? Only the project office can reopen it."
            ),
        ),
        Transition(
            "cancel",
            _BEFORE_END,
            S.CANCELLED,
            pgettext_lazy("lifecycle action", "Abandon"),
            confirm=True,
            confirm_message=gettext_lazy(
                "Abandon this project? It leaves the active portfolio; only the project office can reopen it."
            ),
        ),
        Transition(
            "reopen",
            tuple(TERMINAL_STATUSES),
            _reopen_target,
            gettext_lazy("Reopen"),
            (plan_guard,),
            allowed=is_portfolio_editor,
            requires_comment=True,
        ),
    ),
)
TRANSITION_NAMES = PROJECT_LIFECYCLE.action_names
RESUME = "resume"
REOPEN = "reopen"


def available_transitions(facts: ProjectFacts, *, actor=None) -> Moves:
    """Every move the table offers from the current status (a Move unpacks as (name, target, label));
    those the actor's role may not make are left out when `actor` is given."""
    return available(PROJECT_LIFECYCLE, facts, actor=actor)


def resolve_transition(
    facts: ProjectFacts, action: str, *, actor=None, comment: str | None = None
) -> ProjectStatus:
    """Target status of `action`, or IllegalTransitionError saying why the move is refused."""
    return S(resolve(PROJECT_LIFECYCLE, facts, action, actor=actor, comment=comment))


def check_guards(facts: ProjectFacts, target: str) -> None:
    """IllegalTransitionError when a project in `target` would break what that status guarantees."""
    message = plan_guard(facts, target)
    if message:
        raise IllegalTransitionError(message)
