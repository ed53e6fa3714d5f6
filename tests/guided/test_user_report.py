"""What a new user's report showed the guided brain getting wrong, one class per test."""

from collections.abc import Callable
from datetime import timedelta

from tests.guided.conftest import NOW
from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue

from referraldesk.conversation.phrasebook import say


def _urgent_patient(practice: FakePractice, specialty: str = "cardiology") -> None:
    patient = practice.add_patient("Diego", ["Cervantes"], "1964-09-29", "Medicare")
    practice.add_referral(patient, specialty, urgency="urgent", target_days=2)


def _verified(talk: Dialogue) -> None:
    talk.say("I need an appointment")
    talk.say("Diego Cervantes")
    talk.say("September 29 1964")


def test_it_offers_urgent_times_by_the_target_when_the_asked_day_is_past_it(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _urgent_patient(practice)
    talk = dialogue()
    _verified(talk)

    turn = talk.say("next Monday morning")

    assert turn.reply.startswith(
        "Your referral is urgent and should be seen by Friday March 6, which is before the day"
    )
    assert turn.awaiting == "slot_choice"
    assert {option.start[:10] for option in turn.options} <= {"2026-03-04", "2026-03-05"}
    assert practice.called("transfer_to_staff") == []


def test_it_hands_over_once_and_then_stays_coherent_on_chat(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _urgent_patient(practice, specialty="pulmonology")
    talk = dialogue()
    _verified(talk)

    handed = talk.say("Monday")
    later = talk.say("hello? Tuesday then")
    again = talk.say("can I talk to a person")

    assert handed.outcome == "transferred"
    assert "call or text you back" in handed.reply
    assert "connecting you" not in handed.reply
    assert later.reply == say("transfer.pending", "en")
    assert again.reply == say("transfer.pending", "en")
    assert len(practice.called("transfer_to_staff")) == 1


def test_it_still_puts_a_voice_caller_through(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(channel="voice")

    turn = talk.say("I want to talk to a real person")

    assert turn.reply == say("transfer.human", "en")
    assert "transfer" in talk.action_types()


def _offered_saturdays(talk: Dialogue, practice: FakePractice) -> None:
    patient = practice.add_patient("Mateo", ["Ramírez", "Cruz"], "2017-08-30", language="es")
    practice.add_referral(patient, "pediatrics")
    talk.say("necesito una cita para mi hijo")
    talk.say("Mateo Ramírez Cruz")
    talk.say("30 de agosto de 2017")
    talk.say("solo puedo los sábados en la mañana")


def test_it_takes_a_pick_by_weekday_day_of_month_and_time(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(language="es")
    _offered_saturdays(talk, practice)

    turn = talk.say("el sábado 14 a las 8:30")

    assert turn.awaiting == "confirm"
    assert turn.reply.startswith("El sábado 14 de marzo a las 8:30 a. m.")


def test_it_takes_a_pick_by_day_of_month_alone(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(language="es")
    _offered_saturdays(talk, practice)

    turn = talk.say("el 21")

    assert turn.awaiting == "confirm"
    assert turn.reply.startswith("El sábado 21 de marzo")


def test_it_reads_a_bare_number_as_the_option_after_other_times(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    talk.say("I need a dermatology appointment")
    talk.say("Daniel Ortega")
    talk.say("November 22 1979")
    talk.say("mornings")
    talk.say("none of those work")
    others = talk.say("afternoons")

    turn = talk.say("3")

    assert others.reply.startswith("Here are some other times:")
    assert turn.awaiting == "confirm"
    assert talk.state["chosen"]["id"] == others.options[2].id


def test_it_takes_the_label_the_runtime_sends_for_a_typed_number(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    talk.say("I need a dermatology appointment")
    talk.say("Daniel Ortega")
    talk.say("November 22 1979")
    offer = talk.say("Thursday")

    turn = talk.say(offer.options[3].label)

    assert turn.awaiting == "confirm"
    assert talk.state["chosen"]["id"] == offer.options[3].id


def test_it_answers_hours_for_a_holiday_as_closed(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue()

    christmas = talk.say("are you open on christmas?")
    eve = talk.say("are you open on december 24?")

    assert christmas.reply.startswith("We're closed on Friday December 25 for Christmas.")
    assert eve.reply.startswith("We're closed on Thursday December 24 for Christmas.")


def test_it_answers_hours_for_an_asked_date(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")

    turn = talk.say("¿abren el 10 de marzo?")

    assert turn.reply.startswith(
        "El martes 10 de marzo, Visalia Main abre de 6:30 a. m. a 7:30 p. m."
    )


def test_it_names_the_holiday_in_spanish(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")

    turn = talk.say("¿abren en Navidad?")

    assert turn.reply.startswith("El viernes 25 de diciembre estamos cerrados por Navidad.")


def test_it_searches_next_week_as_a_range(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    talk.say("I need a dermatology appointment")
    talk.say("Daniel Ortega")
    talk.say("November 22 1979")

    turn = talk.say("sometime next week")

    searched = practice.called("get_available_slots")[-1]
    assert (searched["date_from"], searched["date_to"]) == ("2026-03-09", "2026-03-15")
    assert {option.start[:10] for option in turn.options} <= {
        (NOW + timedelta(days=d)).date().isoformat() for d in range(5, 12)
    }


def test_it_gives_the_988_line_and_says_call_911_on_a_text_channel(
    dialogue: Callable[..., Dialogue],
) -> None:
    chat = dialogue()
    sms = dialogue(channel="sms", language="es")

    english = chat.say("I'm feeling suicidal")
    spanish = sms.say("quiero hacerme daño")

    assert english.reply.startswith("This sounds like an emergency. Please call 911 now")
    assert "988" in english.reply
    assert "hang up" not in english.reply
    assert "988" in spanish.reply and "cuelgue" not in spanish.reply
    assert english.outcome == spanish.outcome == "emergency"


def test_it_keeps_hang_up_on_voice(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(channel="voice", language="es")

    turn = talk.say("me quiero morir")

    assert "cuelgue y llame al 911" in turn.reply
    assert "988" in turn.reply


def _guadalupe_moving(talk: Dialogue) -> None:
    talk.say("quiero cambiar mi cita")
    talk.say("Guadalupe Morales Vega")
    talk.say("5 de marzo de 1990")


def test_it_picks_an_appointment_by_specialty(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")
    _guadalupe_moving(talk)

    turn = talk.say("la de pediatría")

    assert turn.reply.startswith("Su cita de pediatría del viernes 13 de marzo")
    assert turn.awaiting == "time_preference"


def test_it_picks_an_appointment_by_date_and_says_which(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue(language="es")
    _guadalupe_moving(talk)

    turn = talk.say("la del 11 de marzo")

    assert turn.reply.startswith("Su cita de dermatología del miércoles 11 de marzo")


def test_it_says_which_appointment_a_number_picked(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")
    _guadalupe_moving(talk)

    turn = talk.say("2")

    assert turn.reply.startswith("Su cita de pediatría del viernes 13 de marzo")


def test_it_does_not_take_yes_as_the_reason_for_a_visit(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    talk.say("I'm new here")
    talk.say("Jennifer Nguyen")
    talk.say("02/17/1991")
    talk.say("559 555 0102")
    talk.say("Aetna PPO")
    asked = talk.say("physical therapy")

    again = talk.say("yes")

    assert asked.reply == say("ask.reason", "en")
    assert again.reply == say("ask.reason.again", "en")
    assert again.awaiting == "reason"


def test_it_answers_which_medi_cal_plans_are_taken(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")

    turn = talk.say("¿aceptan Medi-Cal?")

    assert turn.reply.startswith("Sí, aceptamos Anthem Blue Cross Medi-Cal y Health Net Medi-Cal.")


def test_it_says_self_pay_in_spanish(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue(language="es")

    turn = talk.say("¿qué seguros aceptan?")

    assert "pago propio (sin seguro)" in turn.reply
    assert "Self-pay" not in turn.reply


def test_it_writes_one_full_stop_after_p_m() -> None:
    spans = "de lunes a viernes de 8:00 a. m. a 12:00 p. m."

    said = say("hours.site", "es", site="Visalia", spans=spans)

    assert said == "Visalia abre de lunes a viernes de 8:00 a. m. a 12:00 p. m."


def test_it_notes_when_no_provider_with_openings_speaks_spanish(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    patient = practice.add_patient("Rosa", ["Díaz"], "1970-01-02", language="es")
    practice.add_referral(patient, "cardiology")
    talk = dialogue(language="es")
    talk.say("necesito una cita")
    talk.say("Rosa Díaz")
    talk.say("2 de enero de 1970")

    turn = talk.say("en las mañanas")

    assert "no veo un proveedor que hable español con citas que le queden" in turn.reply
    assert "estos horarios son con el Dr. Karen Patel" in turn.reply


def test_it_says_nothing_of_language_when_a_spanish_speaking_provider_fits(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue(language="es")
    talk.say("quiero una cita de dermatología")
    talk.say("María Elena López García")
    talk.say("3 de abril de 1985")

    turn = talk.say("en las mañanas")

    assert "no veo un proveedor que hable" not in turn.reply
    assert turn.awaiting == "slot_choice"


def test_a_pick_by_its_label_does_not_switch_the_language(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    patient = practice.add_patient("Rosa", ["Díaz"], "1970-01-02", language="en")
    practice.add_referral(patient, "dermatology")
    talk = dialogue(language="en")
    talk.say("I need an appointment")
    talk.say("Rosa Díaz")
    talk.say("January 2 1970")
    offer = talk.say("any time")
    assert offer.options, offer.reply

    picked = talk.say(offer.options[0].label)

    assert picked.language == "en"
    assert picked.awaiting == "confirm"
