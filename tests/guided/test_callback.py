"""A web chat with no caller id: a number is asked for before staff promise a call back."""

from collections.abc import Callable

from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue

ASK_EN = (
    "Of course. Our staff will need a way to reach you. "
    "What's the best phone number to call or text you back?"
)
ASK_ES = (
    "Claro. Nuestro personal necesita una forma de comunicarse con usted. "
    "¿A qué número de teléfono le pueden llamar o escribir?"
)


def test_it_asks_for_a_number_and_hands_over_with_it(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(caller_phone=None)

    asked = talk.say("I want to talk to a person")
    done = talk.say("sure, 559-555-0143")

    assert asked.reply == ASK_EN
    assert asked.awaiting == "phone"
    assert asked.actions == []
    assert done.reply == (
        "Of course. I've asked a member of our staff to contact you; "
        "they'll call or text you back shortly."
    )
    assert done.outcome == "transferred"
    assert [call["callback_phone"] for call in practice.called("transfer_to_staff")] == [
        "+15595550143"
    ]


def test_it_gives_the_practice_number_when_a_spanish_caller_declines(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(caller_phone=None, language="es")

    asked = talk.say("quiero hablar con una persona")
    done = talk.say("no")

    assert asked.reply == ASK_ES
    assert done.reply == (
        "Está bien. Sin un número, nuestro personal no puede comunicarse con usted desde "
        "este chat, pero puede llamar a la clínica al (559) 625-0100. "
        "¿Hay algo más en lo que le pueda ayudar?"
    )
    assert done.outcome == "answered"
    assert done.awaiting == "anything_else"
    assert practice.called("transfer_to_staff") == []


def test_it_gives_the_practice_number_after_two_answers_without_one(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(caller_phone=None)
    talk.say("real person please")

    again = talk.say("123 456 7890")
    done = talk.say("why do you need it?")

    assert again.reply == (
        "I didn't find a phone number there. Please send ten digits, like 559-555-0143, "
        "or say no if you'd rather not share one."
    )
    assert again.awaiting == "phone"
    assert done.reply == (
        "All right. Without a number our staff can't get back to you from this chat, "
        "but you can reach the practice at (559) 625-0100. "
        "Is there anything else I can help you with?"
    )
    assert practice.called("transfer_to_staff") == []


def test_it_takes_a_spanish_number_on_the_second_try(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(caller_phone=None, language="es")
    talk.say("quiero hablar con alguien")

    again = talk.say("no sé")
    done = talk.say("559 555 0143")

    assert again.reply.startswith("No encontré un número de teléfono.")
    assert done.reply == (
        "Claro. Le pedí a una persona de nuestro personal que se comunique con usted; "
        "le llamará o le escribirá en breve."
    )
    assert practice.called("transfer_to_staff")[0]["callback_phone"] == "+15595550143"


def test_it_hands_over_at_once_when_the_caller_has_a_number(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()

    done = talk.say("I want to talk to a person")

    assert done.outcome == "transferred"
    assert "callback_phone" not in practice.called("transfer_to_staff")[0]


def test_it_hands_over_at_once_for_a_verified_patient_without_caller_id(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(caller_phone=None)
    talk.say("I need an appointment")
    talk.say("Daniel Ortega")
    talk.say("November 22, 1979")

    done = talk.say("actually, can I talk to a person")

    assert done.outcome == "transferred"
    assert len(practice.called("transfer_to_staff")) == 1
