"""The lifecycle transition table, tested exhaustively: every (status, action) pair."""

import datetime
import itertools

import pytest

from portfolio.rules import (
    RESUME,
    TRANSITION_NAMES,
    ProjectFacts,
    ProjectStatus,
    TransitionError,
    available_transitions,
    resolve_transition,
)

S = ProjectStatus
# The expected lifecycle, written independently of the table in rules.py.
EXPECTED = {
    (S.DEMAND, "start_framing"): S.FRAMING,
    (S.FRAMING, "approve"): S.APPROVED,
    (S.APPROVED, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "close"): S.CLOSED,
    **{(s, "put_on_hold"): S.ON_HOLD for s in (S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS)},
    **{(s, "cancel"): S.CANCELLED for s in (S.DEMAND, S.FRAMING, S.APPROVED, S.IN_PROGRESS, S.ON_HOLD)},
}
ALL_ACTIONS = (*TRANSITION_NAMES, RESUME)


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
    }


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, TRANSITION_NAMES)))
def test_every_status_and_action(status, action):
    facts = full_facts(status)
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(TransitionError, match="not possible from the status"):
            resolve_transition(facts, action)
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
    assert names == expected


@pytest.mark.parametrize("status", [S.CLOSED, S.CANCELLED])
def test_terminal_states_have_no_way_out(status):
    assert available_transitions(full_facts(status)) == []


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
