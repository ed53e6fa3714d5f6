"""Declining a referral: named, asked once, recorded as declined only on a clear yes."""

from collections.abc import Callable

from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue


def _in_outreach(practice: FakePractice) -> None:
    # The agent may decline only a referral the practice is reaching out about.
    for referral in practice.referrals:
        referral["status"] = "contacting"


def _verified(talk: Dialogue, opening: str, name: str, dob: str) -> Dialogue:
    talk.say(opening)
    talk.say(name)
    talk.say(dob)
    return talk


def _maria(dialogue: Callable[..., Dialogue], opening: str) -> Dialogue:
    talk = dialogue(language="es")
    return _verified(talk, opening, "María Elena López García", "3 de abril de 1985")


def _daniel(dialogue: Callable[..., Dialogue], opening: str) -> Dialogue:
    return _verified(dialogue(), opening, "Daniel Ortega", "November 22, 1979")


def test_it_records_a_spanish_refusal_after_one_confirmation(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _in_outreach(practice)
    talk = _maria(dialogue, "no quiero ir al especialista")

    asked = talk.last
    done = talk.say("sí")

    assert asked.reply == (
        "Gracias, encontré el registro. Para confirmar: ¿no desea ir a la consulta de "
        "dermatología que le indicó la Dra. Ana Ruiz? Le avisaré al consultorio de su médico."
    )
    assert asked.awaiting == "confirm"
    assert done.reply == (
        "Está bien, anoté que no irá a la consulta de dermatología y se le avisará al "
        "consultorio de su médico. ¿Hay algo más en lo que le pueda ayudar?"
    )
    assert done.outcome == "answered"
    assert done.awaiting == "anything_else"
    assert practice.called("update_referral_status") == [
        {
            "referral_id": "ref-1",
            "status": "declined",
            "reason": "patient says they do not want the visit",
            "leakage_reason": "patient_declined",
        }
    ]
    assert practice.referrals[0]["status"] == "declined"


def test_it_notes_a_patient_seen_elsewhere_in_english(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _in_outreach(practice)
    talk = _daniel(dialogue, "I already went somewhere else")

    asked = talk.last
    done = talk.say("yes, that's right")

    assert asked.reply == (
        "Thank you, I found the record. Just to confirm: you don't want the orthopedics visit "
        "Dr. Priya Natarajan referred you to? I'll let your doctor's office know."
    )
    assert done.reply == (
        "All right, I've noted that you won't be going to the orthopedics visit, and your "
        "doctor's office will be told. Is there anything else I can help you with?"
    )
    assert practice.referrals[1]["status"] == "declined"
    assert practice.referrals[1]["leakage_reason"] == "patient_declined"
    assert practice.referrals[1]["reason"] == "patient says they were seen elsewhere"


def test_it_goes_back_to_booking_when_the_caller_says_no(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _in_outreach(practice)
    talk = _daniel(dialogue, "I don't want to see the specialist")

    kept = talk.say("no")

    assert (
        kept.reply == "All right, we'll keep your referral. What days and times work best for you?"
    )
    assert kept.awaiting == "time_preference"
    assert practice.called("update_referral_status") == []
    assert practice.referrals[1]["status"] == "contacting"


def test_it_keeps_the_referral_in_spanish_and_books_for_it(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _in_outreach(practice)
    talk = _maria(dialogue, "ya no lo necesito")

    kept = talk.say("no, mejor no")

    assert kept.reply.startswith("Está bien, mantenemos su referencia.")
    assert kept.awaiting == "time_preference"
    assert practice.referrals[0]["status"] == "contacting"


def test_it_reads_no_referral_before_the_caller_is_verified(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _in_outreach(practice)
    talk = dialogue()

    first = talk.say("I don't want to see the specialist")

    assert first.awaiting == "name"
    assert "orthopedics" not in first.reply
    assert practice.called("get_patient_referrals") == []


def test_it_asks_staff_to_record_a_referral_the_agent_may_not_decline(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    # Still "accepted": outreach has not started, so the lifecycle refuses declined.
    talk = _daniel(dialogue, "I don't need the referral anymore")

    done = talk.say("yes")

    assert done.outcome == "transferred"
    assert done.reply.startswith("I've asked our staff to update your referral")
    assert practice.called("transfer_to_staff")[0]["reason"] == "patient declines the referral"
    assert practice.referrals[1]["status"] == "accepted"


def test_it_says_so_when_no_referral_waits_for_a_visit(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = _verified(
        dialogue(), "I don't want to see the specialist", "Angela Soto", "July 4, 1988"
    )

    assert talk.last.reply == (
        "Thank you, I found the record. I don't see a referral waiting for a visit on file. "
        "Is there anything else I can help you with?"
    )
    assert practice.called("update_referral_status") == []


def test_it_takes_a_refusal_in_the_middle_of_booking(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    _in_outreach(practice)
    talk = _daniel(dialogue, "I need an appointment")

    asked = talk.say("actually, I don't want to see the specialist")

    assert asked.reply == (
        "Just to confirm: you don't want the orthopedics visit Dr. Priya Natarajan referred "
        "you to? I'll let your doctor's office know."
    )
    assert asked.awaiting == "confirm"
