"""Questions about the clinic are answered without asking who is calling."""

from collections.abc import Callable

from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue


def test_it_answers_saturday_hours_without_asking_for_identity(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()

    answer = talk.say("what time are you open on saturday?")
    bye = talk.say("no that's all")

    assert answer.reply.startswith("On Saturdays, Visalia Main is open from 8:00 AM to 12:00 PM.")
    assert answer.outcome == "answered"
    assert answer.awaiting == "anything_else"
    assert "lookup_patient" not in {name for name, _ in practice.calls}
    assert bye.actions[0].type == "end"


def test_it_answers_the_week_in_spanish(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")

    answer = talk.say("¿cuál es su horario?")

    assert "Visalia Main abre de lunes a viernes de 6:30 a. m. a 7:30 p. m." in answer.reply
    assert answer.language == "es"


def test_it_gives_the_address(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue()

    answer = talk.say("where are you located?")

    assert "Visalia Main is at 400 W Main St, Visalia." in answer.reply


def test_it_says_whether_a_plan_is_accepted(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue()

    answer = talk.say("do you take Health Net?")

    assert "Yes, we accept Health Net Medi-Cal." in answer.reply


def test_it_names_providers_who_offer_video_visits(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue()

    answer = talk.say("does the heart doctor do telehealth visits?")

    assert "Video visits are available with Dr. Karen Patel." in answer.reply


def test_it_answers_a_side_question_and_returns_to_the_pending_one(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue()
    talk.say("I need an appointment")

    answer = talk.say("wait, what are your hours on saturday?")

    assert "On Saturdays" in answer.reply
    assert answer.awaiting == "name"


def test_it_names_providers_who_speak_spanish_without_switching_language(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue()

    answer = talk.say("do any of your doctors speak Spanish?")

    assert answer.language == "en"
    assert "These providers speak Spanish: Dr. Elena Reyes, Dr. Luis Ortiz" in answer.reply


def test_it_lists_the_specialties_in_spanish(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")

    answer = talk.say("¿qué servicios ofrecen?")

    assert "Ofrecemos consultas de cardiología, dermatología" in answer.reply
