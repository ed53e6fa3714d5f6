"""Booking: the referral drives the specialty, offers fit the caller, the slot is read back."""

from collections.abc import Callable
from datetime import datetime

import pytest
from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue


def _verified_spanish_referral(dialogue: Callable[..., Dialogue], **options: object) -> Dialogue:
    talk = dialogue(language="es", **options)
    talk.say("Buenos días, mi doctora me mandó con un especialista de la piel")
    talk.say("Soy María Elena López García")
    talk.say("el 3 de abril del 85")
    return talk


def _verified_english_referral(dialogue: Callable[..., Dialogue], **options: object) -> Dialogue:
    talk = dialogue(**options)
    talk.say("My doctor sent me to a bone specialist")
    talk.say("Daniel Ortega")
    talk.say("November 22nd, 1979")
    return talk


def test_it_mentions_the_referral_and_goes_to_time_preference(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = _verified_spanish_referral(dialogue)

    assert "la Dra. Ana Ruiz le envió una referencia para dermatología" in talk.last.reply
    assert talk.last.awaiting == "time_preference"
    assert talk.last.language == "es"


def test_it_offers_five_fitting_slots_on_chat_labelled_in_spanish(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = _verified_spanish_referral(dialogue)

    offer = talk.say("temprano, antes de las 8")

    assert offer.awaiting == "slot_choice"
    assert len(offer.options) == 5
    assert all(datetime.fromisoformat(o.start or "").hour < 8 for o in offer.options)
    assert all(o.kind == "slot" and o.specialty == "dermatology" for o in offer.options)
    assert offer.options[0].label == "jue 5 de marzo, 7:00 a. m. — Dra. Elena Reyes"
    assert offer.options[0].start == "2026-03-05T07:00:00-08:00"


def test_it_prefers_providers_who_speak_the_callers_language(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = _verified_spanish_referral(dialogue)

    offer = talk.say("cuando sea")

    assert {o.provider for o in offer.options} == {"Dra. Elena Reyes"}
    assert practice.called("get_available_slots")[0]["language"] == "es"


def test_it_offers_three_slots_on_voice_and_reads_them(dialogue: Callable[..., Dialogue]) -> None:
    talk = _verified_english_referral(dialogue, channel="voice")

    offer = talk.say("anything after 5 in the evening")

    assert len(offer.options) == 3
    assert "Thursday March 5 at 5:00 PM with Dr. Luis Ortiz" in offer.reply
    assert all(datetime.fromisoformat(o.start or "").hour >= 17 for o in offer.options)


def test_a_caller_who_cut_the_offer_short_can_pick_only_what_they_heard(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = _verified_english_referral(dialogue, channel="voice")
    offer = talk.say("anything after 5 in the evening")
    first, second = offer.options[0], offer.options[1]
    talk.cut_off(after="Wednesday March 4 at 5:00 PM with Dr. Luis Ortiz")

    again = talk.say("the second one")

    # Never heard, so not booked: the times are read out again, all of them.
    assert again.awaiting == "slot_choice"
    assert again.reply == offer.reply
    assert [o.id for o in again.options] == [o.id for o in offer.options]
    confirm = talk.say("the second one")
    assert confirm.awaiting == "confirm"
    assert talk.state["chosen"]["id"] == second.id
    assert first.id != second.id


@pytest.mark.parametrize(
    "answer", ["yes", "the first one", "yes please, that one", "Wednesday at 5"]
)
def test_a_caller_who_heard_one_time_and_took_it_gets_that_time(
    dialogue: Callable[..., Dialogue], answer: str
) -> None:
    talk = _verified_english_referral(dialogue, channel="voice")
    offer = talk.say("anything after 5 in the evening")
    talk.cut_off(after="Wednesday March 4 at 5:00 PM with Dr. Luis Ortiz")

    confirm = talk.say(answer)

    assert confirm.awaiting == "confirm"
    assert confirm.reply.startswith("Wednesday March 4 at 5:00 PM with Dr. Luis Ortiz")
    assert talk.state["chosen"]["id"] == offer.options[0].id


def test_it_spreads_an_offer_over_several_days(dialogue: Callable[..., Dialogue]) -> None:
    talk = _verified_english_referral(dialogue)

    offer = talk.say("as soon as possible")

    days = [o.start[:10] for o in offer.options if o.start]
    assert days == sorted(days)
    assert len(set(days)) >= 2


def test_it_reads_back_the_slot_and_books_only_on_yes(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = _verified_english_referral(dialogue)
    talk.say("after 5 pm")

    confirm = talk.say("Thursday at 5:30")
    booked = talk.say("yes, that works")

    assert confirm.reply == (
        "Thursday March 5 at 5:30 PM with Dr. Luis Ortiz at Visalia Main. Shall I book it?"
    )
    assert confirm.awaiting == "confirm"
    assert practice.called("schedule_appointment") == [
        {"slot_id": "p-ortiz|2026-03-05T17:30:00-08:00", "referral_id": "ref-2"}
    ]
    assert booked.outcome == "booked"
    assert "send_sms" in talk.action_types()
    assert booked.awaiting == "anything_else"
    assert practice.referrals[1]["status"] == "scheduled"


def test_it_says_goodbye_and_ends_when_nothing_else_is_needed(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = _verified_english_referral(dialogue)
    talk.say("after 5 pm")
    talk.say("the first one")
    talk.say("yes")

    bye = talk.say("no, that's it, thanks")

    assert bye.awaiting == "none"
    assert talk.action_types() == ["end"]


def test_it_never_offers_the_same_slots_again(dialogue: Callable[..., Dialogue]) -> None:
    talk = _verified_english_referral(dialogue)
    first = talk.say("after 5 pm")

    asked = talk.say("none of those work")
    second = talk.say("after 5 pm")

    assert asked.awaiting == "time_preference"
    assert second.awaiting == "slot_choice"
    assert not {o.id for o in first.options} & {o.id for o in second.options}


def test_it_takes_a_new_day_as_a_correction_of_the_offer(dialogue: Callable[..., Dialogue]) -> None:
    talk = _verified_english_referral(dialogue)
    talk.say("after 5 pm")

    corrected = talk.say("no, next Tuesday")

    assert corrected.awaiting == "slot_choice"
    assert {o.start[:10] for o in corrected.options if o.start} == {"2026-03-10"}
    assert all(datetime.fromisoformat(o.start or "").hour >= 17 for o in corrected.options)


def test_it_confirms_another_offered_slot_when_the_caller_changes_their_mind(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = _verified_english_referral(dialogue)
    talk.say("after 5 pm")
    talk.say("the first one")

    changed = talk.say("no, Friday at 5")

    assert changed.awaiting == "confirm"
    assert changed.reply.startswith("Friday March 6 at 5:00 PM")


def test_it_offers_the_earliest_urgent_times_when_the_asked_days_fall_outside_the_window(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    patient = practice.add_patient(
        "José Luis", ["Hernández"], "1958-02-14", "Medicare", language="es"
    )
    practice.add_referral(
        patient, "cardiology", urgency="urgent", referrer="Dr. Karen Mills", target_days=1
    )
    talk = dialogue()
    talk.say("¿Se puede en español? Necesito una cita")
    talk.say("José Luis Hernández")
    talk.say("14 de febrero de 1958")

    turn = talk.say("los sábados")

    assert turn.outcome is None
    assert turn.awaiting == "slot_choice"
    assert "Su referencia es urgente y debe atenderse a más tardar el jueves" in turn.reply
    assert [option.start[:10] for option in turn.options] == [
        "2026-03-04",
        "2026-03-04",
        "2026-03-04",
        "2026-03-05",
        "2026-03-05",
    ]
    assert practice.called("transfer_to_staff") == []


def test_it_searches_an_urgent_referral_only_up_to_its_target_date(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    patient = practice.add_patient(
        "José Luis", ["Hernández"], "1958-02-14", "Medicare", language="es"
    )
    practice.add_referral(
        patient, "cardiology", urgency="urgent", referrer="Dr. Karen Mills", target_days=3
    )
    talk = dialogue(language="es")
    talk.say("Necesito una cita del corazón")
    talk.say("José Luis Hernández")
    asked = talk.say("14 de febrero de 1958")

    offer = talk.say("lo más pronto posible")

    assert "urgente" in asked.reply and "sábado 7 de marzo" in asked.reply
    assert practice.called("get_available_slots")[0]["date_to"] == "2026-03-07"
    assert offer.awaiting == "slot_choice"


def test_it_asks_for_the_specialty_when_there_is_no_referral(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue()
    talk.say("I'd like to make an appointment")
    talk.say("Angela Soto")

    asked = talk.say("July 4, 1988")
    offered = talk.say("pediatrics")

    assert asked.awaiting == "specialty"
    assert offered.awaiting == "time_preference"
