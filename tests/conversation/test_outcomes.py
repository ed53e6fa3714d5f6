"""Which outcome a conversation keeps as its turns report theirs."""

from __future__ import annotations

import pytest

from referraldesk.conversation.outcomes import merge_outcome, outcome_at_end


@pytest.mark.parametrize(
    ("current", "reported", "kept"),
    [
        (None, "answered", "answered"),
        ("answered", "transferred", "transferred"),
        ("transferred", "answered", "answered"),
        ("booked", "answered", "booked"),
        ("booked", "transferred", "booked"),
        ("booked", "rescheduled", "rescheduled"),
        ("cancelled", "booked", "booked"),
        ("emergency", "booked", "emergency"),
        ("booked", "emergency", "emergency"),
        ("answered", None, "answered"),
    ],
)
def test_it_keeps_the_last_outcome_unless_that_would_downgrade(
    current: str | None, reported: str | None, kept: str
) -> None:
    assert merge_outcome(current, reported) == kept


def test_a_caller_who_left_mid_question_abandoned() -> None:
    assert outcome_at_end(None, caller_spoke=True, last_awaiting="dob") == "abandoned"
    assert outcome_at_end(None, caller_spoke=False, last_awaiting="none") == "abandoned"


def test_a_caller_who_left_after_an_answer_was_answered() -> None:
    assert outcome_at_end(None, caller_spoke=True, last_awaiting="anything_else") == "answered"
    assert outcome_at_end("booked", caller_spoke=True, last_awaiting="dob") == "booked"
