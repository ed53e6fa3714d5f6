"""A turn as plain text for SMS and the terminal: each option listed once."""

from __future__ import annotations

from tests.conversation.factories import SLOT_OPTIONS, say

from referraldesk.channels.text import as_text


def test_options_are_numbered_under_a_reply_that_does_not_list_them() -> None:
    turn = say("Which one?", awaiting="slot_choice", options=SLOT_OPTIONS)

    assert as_text(turn) == (
        "Which one?\n1. Friday March 6 at 6:30 AM\n2. Friday March 6 at 7:00 AM\n"
        "Reply with the number of your choice."
    )


def test_a_reply_that_lists_its_options_is_sent_as_it_is() -> None:
    reply = (
        "Here are some times:\n1) Friday March 6 at 6:30 AM\n2) Friday March 6 at 7:00 AM\n"
        "Which one works for you?"
    )
    turn = say(reply, awaiting="slot_choice", options=SLOT_OPTIONS)

    assert as_text(turn) == reply


def test_a_reply_that_lists_only_some_options_gets_the_full_list() -> None:
    turn = say("Friday March 6 at 6:30 AM is the earliest.", options=SLOT_OPTIONS)

    assert as_text(turn, with_hint=False).splitlines()[1:] == [
        "1. Friday March 6 at 6:30 AM",
        "2. Friday March 6 at 7:00 AM",
    ]
