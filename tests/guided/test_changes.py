"""Cancelling and rescheduling: say which appointment, act only on a clear yes."""

from collections.abc import Callable

from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue


def _verified_guadalupe(
    dialogue: Callable[..., Dialogue], opening: str, **options: object
) -> Dialogue:
    talk = dialogue(**options)
    talk.say(opening)
    talk.say("Guadalupe Morales Vega")
    talk.say("March 5, 1990" if options.get("language", "en") == "en" else "5 de marzo de 1990")
    return talk


def test_it_names_the_appointment_before_cancelling_it(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = _verified_guadalupe(
        dialogue, "necesito cancelar mi cita del miércoles", language="es", channel="sms"
    )

    asked = talk.last
    done = talk.say("sí, cancélela por favor")

    assert asked.reply.endswith(
        "Su cita de dermatología del miércoles 11 de marzo a las 7:00 a. m. "
        "con la Dra. Elena Reyes: ¿la cancelo?"
    )
    assert asked.awaiting == "confirm"
    assert done.outcome == "cancelled"
    assert practice.appointments[1]["status"] == "cancelled"
    assert practice.appointments[2]["status"] == "booked"
    assert done.awaiting == "anything_else"


def test_it_asks_which_appointment_when_several_could_be_meant(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = _verified_guadalupe(dialogue, "I need to cancel an appointment")

    asked = talk.last
    confirm = talk.say("the one on Friday")

    assert asked.awaiting == "slot_choice"
    assert [o.kind for o in asked.options] == ["appointment", "appointment"]
    assert confirm.awaiting == "confirm"
    assert "pediatrics appointment on Friday March 13" in confirm.reply


def test_it_keeps_the_appointment_when_the_caller_says_no(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = _verified_guadalupe(dialogue, "I need to cancel my appointment on Wednesday")

    kept = talk.say("no")

    assert practice.called("cancel_appointment") == []
    assert "left it as it is" in kept.reply
    assert kept.awaiting == "anything_else"


def test_it_moves_an_appointment_and_frees_the_old_one(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(channel="voice")
    talk.say("hi I need to move my appointment with the bone doctor")
    talk.say("Angela Soto")
    found = talk.say("July fourth nineteen eighty eight")
    offer = talk.say("a Saturday would be better")
    confirm = talk.say("the first one")
    moved = talk.say("yes")

    assert "orthopedics appointment on Thursday March 5 at 2:00 PM" in found.reply
    assert all(o.start and o.start.startswith("2026-03-07") for o in offer.options)
    assert confirm.reply.startswith("I can move it to Saturday March 7 at 8:00 AM")
    assert moved.outcome == "rescheduled"
    assert practice.appointments[0]["status"] == "cancelled"
    assert practice.called("reschedule_appointment")[0]["appointment_id"] == "apt-1"


def test_it_reads_back_upcoming_appointments(dialogue: Callable[..., Dialogue]) -> None:
    talk = _verified_guadalupe(dialogue, "¿cuándo es mi cita?", language="es")

    answer = talk.last

    assert "dermatología el miércoles 11 de marzo a las 7:00 a. m." in answer.reply
    assert "pediatría el viernes 13 de marzo a las 9:00 a. m." in answer.reply
    assert answer.outcome == "answered"
    assert answer.awaiting == "anything_else"
