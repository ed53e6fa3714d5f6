from __future__ import annotations

import itertools

import pytest

from referraldesk.errors import IllegalTransition, InvalidArgument
from referraldesk.referrals.lifecycle import (
    LEAKAGE_REASONS,
    LEAKING,
    STATES,
    TERMINAL,
    TRANSITIONS,
    check_leakage,
    check_transition,
    fhir_business_status,
    fhir_task_status,
    label,
)

# DESIGN.md "Referral lifecycle", written out again on purpose: the test must not
# read the table it checks. "any open state -> cancelled" is added below.
DESIGN_TABLE = {
    "received": {"accepted", "needs_info", "rejected"},
    "needs_info": {"accepted", "rejected"},
    "accepted": {"contacting", "scheduled"},
    "contacting": {"scheduled", "declined", "unreachable", "expired"},
    "scheduled": {"visit_kept", "no_show", "contacting"},
    "no_show": {"contacting"},
    "visit_kept": {"closed"},
}
DESIGN_TERMINAL = {"closed", "rejected", "declined", "unreachable", "expired", "cancelled"}
LEGAL = {
    (frm, to)
    for frm in STATES
    for to in DESIGN_TABLE.get(frm, set())
    | ({"cancelled"} if frm not in DESIGN_TERMINAL else set())
}
ALL_PAIRS = list(itertools.product(STATES, STATES))
FHIR_TASK_STATUSES = {
    "requested",
    "received",
    "accepted",
    "rejected",
    "in-progress",
    "completed",
    "failed",
    "cancelled",
}


class TestTransitions:
    @pytest.mark.parametrize(("frm", "to"), sorted(LEGAL))
    def test_it_allows_every_move_in_the_design(self, frm: str, to: str) -> None:
        check_transition(frm, to)

    @pytest.mark.parametrize(("frm", "to"), [pair for pair in ALL_PAIRS if pair not in LEGAL])
    def test_it_refuses_every_other_move_naming_both_states(self, frm: str, to: str) -> None:
        with pytest.raises(IllegalTransition) as caught:
            check_transition(frm, to)

        assert f"from {frm} to {to}" in caught.value.message

    def test_the_matrix_covers_every_pair_of_states(self) -> None:
        legal_in_code = {(frm, to) for frm, moves in TRANSITIONS.items() for to in moves}

        assert len(ALL_PAIRS) == 13 * 13
        assert legal_in_code == LEGAL

    def test_it_lists_the_legal_moves_in_the_refusal(self) -> None:
        with pytest.raises(IllegalTransition) as caught:
            check_transition("accepted", "closed")

        assert caught.value.message.endswith("may move to: cancelled, contacting, scheduled")

    def test_it_says_a_terminal_referral_is_reopened_as_a_new_one(self) -> None:
        with pytest.raises(IllegalTransition, match="reopen it as a new referral"):
            check_transition("declined", "contacting")

    def test_it_keeps_the_terminal_states_of_the_design(self) -> None:
        assert set(TERMINAL) == DESIGN_TERMINAL
        assert all(not TRANSITIONS[state] for state in TERMINAL)

    def test_it_sends_a_no_show_back_to_contacting(self) -> None:
        assert TRANSITIONS["no_show"] == {"contacting", "cancelled"}

    @pytest.mark.parametrize("state", ["closing", "", "Scheduled"])
    def test_it_refuses_an_unknown_state(self, state: str) -> None:
        with pytest.raises(InvalidArgument, match="is not a referral status"):
            check_transition("received", state)


class TestLeakage:
    @pytest.mark.parametrize("state", sorted(LEAKING))
    def test_it_requires_a_reason_for_every_lost_state(self, state: str) -> None:
        with pytest.raises(InvalidArgument, match="needs a leakage_reason") as caught:
            check_leakage(state, None)

        assert caught.value.field == "leakage_reason"

    @pytest.mark.parametrize(
        ("state", "reason"), list(itertools.product(sorted(LEAKING), LEAKAGE_REASONS))
    )
    def test_it_takes_every_listed_reason(self, state: str, reason: str) -> None:
        check_leakage(state, reason)

    def test_it_refuses_a_reason_off_the_list(self) -> None:
        with pytest.raises(InvalidArgument, match="'moved away' is not one of"):
            check_leakage("declined", "moved away")

    def test_it_refuses_a_reason_on_a_state_that_is_not_lost(self) -> None:
        with pytest.raises(InvalidArgument, match="takes no leakage_reason"):
            check_leakage("scheduled", "other")

    def test_the_lost_states_are_the_four_of_the_design(self) -> None:
        assert set(LEAKING) == {"rejected", "declined", "unreachable", "expired"}


class TestFhir:
    @pytest.mark.parametrize("state", STATES)
    def test_every_state_has_a_fhir_task_status_and_business_status(self, state: str) -> None:
        business = fhir_business_status(state)

        assert fhir_task_status(state) in FHIR_TASK_STATUSES
        assert business["coding"][0]["code"] == state
        assert business["text"] == label(state)

    @pytest.mark.parametrize(
        ("state", "status"),
        [
            ("received", "received"),
            ("accepted", "accepted"),
            ("rejected", "rejected"),
            ("scheduled", "in-progress"),
            ("closed", "completed"),
            ("unreachable", "failed"),
            ("cancelled", "cancelled"),
        ],
    )
    def test_it_maps_states_to_task_status(self, state: str, status: str) -> None:
        assert fhir_task_status(state) == status
