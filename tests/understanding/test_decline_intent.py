"""A caller turning down the referred specialist visit, in both languages."""

import pytest

from referraldesk.understanding.intents import detect_intent


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to see the specialist",
        "I do not need the referral anymore",
        "I already went somewhere else",
        "I was already seen by another doctor",
        "no quiero ir al especialista",
        "ya no lo necesito",
        "No, ya fui con otro doctor",
    ],
)
def test_it_reads_a_refusal_of_the_referral(text: str) -> None:
    assert detect_intent(text) == "decline_referral"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want to see the specialist", "book"),
        ("quiero ir al especialista", "book"),
        ("I need to cancel my appointment", "cancel"),
    ],
)
def test_it_leaves_booking_and_cancelling_alone(text: str, intent: str) -> None:
    assert detect_intent(text) == intent
