"""The lifecycle transition table, tested exhaustively: every (status, action) pair; the input limits
and the date rules."""

import datetime
import itertools

import pytest

from portfolio.rules import (
    RESUME,
    TRANSITION_NAMES,
    ProjectFacts,
    ProjectStatus,
    available_transitions,
    resolve_transition,
)
from ppm.exceptions import IllegalTransitionError as TransitionError

S = ProjectStatus
# The expected lifecycle, written independently of the table in rules.py (reopen and resume are
# tested on their own: their target depends on the project's past).
EXPECTED = {
    (S.DEMAND, "start_framing"): S.FRAMING,
    (S.FRAMING, "approve"): S.APPROVED,
    (S.APPROVED, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "close"): S.CLOSED,
    **{(s, "put_on_hold"): S.ON_HOLD for s in (S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS)},
    **{(s, "cancel"): S.CANCELLED for s in (S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS, S.ON_HOLD)},
    **{(s, "not_retain"): S.NOT_RETAINED for s in (S.DEMAND, S.FRAMING)},
}
FINAL = (S.CLOSED, S.CANCELLED, S.NOT_RETAINED)
ALL_ACTIONS = TRANSITION_NAMES


def full_facts(status, before_hold=None):
    return ProjectFacts(
        status=status,
        has_manager=True,
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2025, 12, 31),
        status_before_hold=before_hold,
    )


def test_action_names_are_the_documented_ones():
    assert set(ALL_ACTIONS) == {
        "start_framing",
        "approve",
        "start",
        "close",
        "put_on_hold",
        "cancel",
        "resume",
        "not_retain",
        "reopen",
    }


@pytest.mark.parametrize(
    ("status", "action"),
    list(itertools.product(S, [a for a in TRANSITION_NAMES if a not in ("resume", "reopen")])),
)
def test_every_status_and_action(status, action):
    facts = full_facts(status)
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(TransitionError, match="not possible from the status") as error:
            resolve_transition(facts, action)
        assert error.value.status == 409 and error.value.code == "illegal_transition"
    else:
        assert resolve_transition(facts, action) == expected


@pytest.mark.parametrize("before", [S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS])
def test_resume_returns_to_the_status_before_hold(before):
    assert resolve_transition(full_facts(S.ON_HOLD, before_hold=before), RESUME) == before


@pytest.mark.parametrize("status", [s for s in S if s != S.ON_HOLD])
def test_resume_refused_unless_on_hold(status):
    with pytest.raises(TransitionError, match="Only a project on hold"):
        resolve_transition(full_facts(status, before_hold=S.DEMAND), RESUME)


@pytest.mark.parametrize("status", list(S))
def test_available_transitions_match_the_table(status):
    names = {name for name, _target, _label in available_transitions(full_facts(status, S.FRAMING))}
    expected = {action for (source, action) in EXPECTED if source == status}
    if status == S.ON_HOLD:
        expected.add(RESUME)
    if status in FINAL:
        expected.add("reopen")
    assert names == expected


@pytest.mark.parametrize("status", FINAL)
def test_final_states_only_reopen(status):
    assert [move.name for move in available_transitions(full_facts(status))] == ["reopen"]


def test_unknown_action_is_refused_with_its_name():
    with pytest.raises(TransitionError, match="Unknown lifecycle action “teleport”"):
        resolve_transition(full_facts(S.DEMAND), "teleport")


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"has_manager": False}, "a project manager"),
        ({"planned_start": None}, "a planned start date"),
        ({"planned_end": None}, "a planned end date"),
    ],
)
def test_approval_needs_manager_and_dates(missing, message):
    facts = ProjectFacts(**{**full_facts(S.FRAMING).__dict__, **missing})
    with pytest.raises(TransitionError, match=message):
        resolve_transition(facts, "approve")


def test_guard_lists_everything_missing_at_once():
    facts = ProjectFacts(status=S.FRAMING, has_manager=False, planned_start=None, planned_end=None)
    with pytest.raises(TransitionError) as error:
        resolve_transition(facts, "approve")
    assert "a project manager, a planned start date, a planned end date" in str(error.value)


def test_framing_needs_no_manager():
    facts = ProjectFacts(status=S.DEMAND, has_manager=False, planned_start=None, planned_end=None)
    assert resolve_transition(facts, "start_framing") == S.FRAMING


def test_end_before_start_is_refused():
    facts = ProjectFacts(
        status=S.APPROVED,
        has_manager=True,
        planned_start=datetime.date(2025, 6, 1),
        planned_end=datetime.date(2025, 1, 1),
    )
    with pytest.raises(TransitionError, match="end date must not be before"):
        resolve_transition(facts, "start")


# ------------------------------------------------------------------------- reopen, confirm, labels


def facts_with(status, **extra):
    return ProjectFacts(**{**full_facts(status).__dict__, **extra})


class FakeUser:
    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, role):
        self.role = role


PMO, MANAGER = FakeUser("pmo"), FakeUser("manager")


@pytest.mark.parametrize(
    ("status", "before_end", "expected"),
    [
        (S.CLOSED, S.IN_PROGRESS, S.IN_PROGRESS),
        (S.CANCELLED, S.APPROVED, S.APPROVED),
        (S.NOT_RETAINED, S.FRAMING, S.FRAMING),
        # Data older than the field: a sensible state per final status.
        (S.CLOSED, None, S.IN_PROGRESS),
        (S.CANCELLED, None, S.DEMAND),
        (S.NOT_RETAINED, None, S.FRAMING),
    ],
)
def test_reopen_returns_to_the_last_active_status(status, before_end, expected):
    facts = facts_with(status, status_before_end=before_end)
    assert resolve_transition(facts, "reopen", actor=PMO, comment="Committee changed its mind") == expected


def test_reopen_is_the_project_offices_and_needs_a_reason():
    from ppm.exceptions import DomainPermissionError, DomainValidationError

    facts = facts_with(S.CLOSED, status_before_end=S.IN_PROGRESS)
    with pytest.raises(DomainPermissionError):
        resolve_transition(facts, "reopen", actor=MANAGER, comment="Please")
    assert "reopen" not in [move.name for move in available_transitions(facts, actor=MANAGER)]
    assert "reopen" in [move.name for move in available_transitions(facts, actor=PMO)]
    with pytest.raises(DomainValidationError) as error:
        resolve_transition(facts, "reopen", actor=PMO, comment="  ")
    assert error.value.status == 400 and list(error.value.field_errors) == ["comment"]


def test_reopen_to_in_progress_still_needs_the_plan():
    facts = facts_with(S.CLOSED, status_before_end=S.IN_PROGRESS, has_manager=False)
    with pytest.raises(TransitionError, match="without a project manager"):
        resolve_transition(facts, "reopen", actor=PMO, comment="Reason")


@pytest.mark.parametrize("status", list(S))
def test_irreversible_moves_ask_for_confirmation_and_are_never_primary(status):
    moves = available_transitions(full_facts(status, S.FRAMING))
    for move in moves:
        assert move.confirm == (move.target in FINAL), move.name
        assert not (move.primary and move.confirm)
    if status == S.IN_PROGRESS:
        assert moves.primary is None  # "Close" is not the main button of a project in progress
        assert {m.name for m in moves if m.confirm} == {"close", "cancel"}


def test_labels_say_abandon_and_not_retained():
    labels = {move.name: move.label for move in available_transitions(full_facts(S.FRAMING))}
    assert labels["cancel"] == "Abandon"
    assert labels["not_retain"] == "Do not retain"
    assert S.CANCELLED.label == "Abandoned" and S.CANCELLED.value == "cancelled"
    assert S.NOT_RETAINED.label == "Not retained"


# ------------------------------------------------------------------------------ limits and dates


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (datetime.date(2025, 1, 1), datetime.date(2054, 12, 31), {}),
        (datetime.date(2025, 1, 1), datetime.date(2055, 1, 1), {}),  # exactly 30 years
        (datetime.date(2025, 1, 1), datetime.date(2055, 1, 2), {"planned_end": "at most 30 years"}),
        (datetime.date(1, 1, 1), None, {"planned_start": "between 1900 and 2200"}),
        (None, datetime.date(9999, 12, 31), {"planned_end": "between 1900 and 2200"}),
        (datetime.date(1899, 12, 31), datetime.date(1900, 1, 1), {"planned_start": "between 1900 and 2200"}),
        (datetime.date(2025, 6, 1), datetime.date(2025, 1, 1), {"planned_end": "must not be before"}),
        (None, None, {}),
    ],
)
def test_date_rules(start, end, errors):
    from portfolio.rules import plan_errors

    found = plan_errors(start, end)
    assert set(found) == set(errors)
    for field, fragment in errors.items():
        assert fragment in found[field]


def test_tag_names_are_cleaned_once():
    from portfolio.rules import MAX_TAGS, TAG_MAX_LENGTH, clean_tag_names
    from ppm.exceptions import DomainValidationError

    assert clean_tag_names(["cloud", " Cloud ", "open   data", "", "b\x00"]) == ["cloud", "open data", "b"]
    with pytest.raises(DomainValidationError, match="at most 50 characters"):
        clean_tag_names(["x" * (TAG_MAX_LENGTH + 1)])
    with pytest.raises(DomainValidationError, match="At most 20 tags"):
        clean_tag_names([f"t{n}" for n in range(MAX_TAGS + 1)])
