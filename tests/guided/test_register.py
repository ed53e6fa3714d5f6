"""New patients register by answering only what is missing, then book."""

from collections.abc import Callable

from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue


def test_it_registers_a_new_patient_and_books(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    awaited = [
        talk.say(
            "Hello, I'm new here and I'd like to set up physical therapy for my lower back"
        ).awaiting,
        talk.say("Jennifer Nguyen").awaiting,
        talk.say("02/17/1991").awaiting,
        talk.say("559 555 0102").awaiting,
        talk.say("Blue Shield of California PPO").awaiting,
        talk.say("mornings are best").awaiting,
    ]
    talk.say("the first one")
    booked = talk.say("yes please")

    # "for my lower back" was the reason: it is not asked again.
    assert awaited == ["name", "dob", "phone", "plan", "time_preference", "slot_choice"]
    assert practice.called("create_new_patient")[0] == {
        "given_names": "Jennifer",
        "surnames": ["Nguyen"],
        "dob": "1991-02-17",
        "phone": "+15595550102",
        "preferred_language": "en",
        "plan": "Blue Shield of California PPO",
    }
    assert booked.outcome == "booked"
    assert practice.appointments[-1]["provider_id"] == "p-kim"


def test_it_registers_in_spanish_with_facts_given_together(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(language="es")

    talk.say("Hola, soy paciente nueva y necesito una cita con el pediatra")
    talk.say("Me llamo Rosa Delia Pérez Núñez, nací el 12 de mayo de 1994")
    plan_asked = talk.say("mi número es 559 555 0177")
    reason_asked = talk.say("no tengo seguro")
    registered = talk.say("tos en las noches")

    assert plan_asked.awaiting == "plan"
    assert reason_asked.awaiting == "reason"
    assert practice.called("create_new_patient")[0]["plan"] == "Self-pay"
    assert registered.reply.startswith("Gracias, ya tenemos su registro.")
    assert registered.awaiting == "time_preference"


def test_it_asks_again_for_a_phone_number_that_cannot_be_dialled(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue()
    talk.say("I'm a new patient")
    talk.say("Jennifer Nguyen")
    talk.say("February 17, 1991")

    again = talk.say("uno, uno dos tres, cuatro cinco seis, siete ocho nueve cero")

    assert again.awaiting == "phone"
    assert "10-digit" in again.reply


def test_it_takes_the_number_the_caller_is_using(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(caller_phone="+15595550199")
    talk.say("I'm a new patient")
    talk.say("Jennifer Nguyen")
    talk.say("February 17, 1991")

    talk.say("this number is fine")

    assert talk.state["phone"] == "+15595550199"


def test_it_goes_on_without_a_plan_the_caller_does_not_know(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue()
    talk.say("I'm new and I need a skin doctor")
    talk.say("Jennifer Nguyen")
    talk.say("February 17, 1991")
    talk.say("559 555 0102")

    next_turn = talk.say("I don't know")

    assert next_turn.awaiting == "reason"
    assert talk.state["plan_unknown"] is True
