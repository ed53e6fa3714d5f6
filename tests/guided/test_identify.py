"""Identity: facts in any order, corrections, ambiguous dates of birth, failed lookups."""

from collections.abc import Callable

from tests.guided.fake_practice import FakePractice
from tests.guided.harness import Dialogue

PATIENT_TOOLS = {
    "get_patient_referrals",
    "get_patient_appointments",
    "get_patient_insurance",
    "schedule_appointment",
    "cancel_appointment",
    "reschedule_appointment",
}


def test_it_takes_name_and_birth_date_volunteered_at_once(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue(language="es")

    talk.say("Quiero una cita. Soy María Elena López García, nací el 3 de abril del 85")

    assert talk.state["verified"] is True
    assert "Dra. Ana Ruiz" in talk.last.reply
    assert talk.last.awaiting == "time_preference"


def test_it_asks_only_for_what_is_missing(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue()

    first = talk.say("I need to book with the bone doctor, my birthday is November 22, 1979")
    second = talk.say("Daniel Ortega")

    assert first.awaiting == "name"
    assert second.awaiting == "time_preference"
    assert "Dr. Priya Natarajan referred you to orthopedics" in second.reply


def test_it_asks_for_the_surnames_when_only_a_first_name_was_given(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue(language="es")

    first = talk.say("Es para sacar cita para mi hijo Mateo")
    second = talk.say("Ramírez Cruz")

    assert first.awaiting == "name"
    assert "Mateo" in first.reply
    assert talk.state["surnames"] == ["Ramírez", "Cruz"]
    assert second.awaiting == "dob"


def test_it_reads_back_an_ambiguous_birth_date_before_using_it(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue(language="es")
    talk.say("necesito cancelar una cita")
    talk.say("Guadalupe Morales Vega")

    asked = talk.say("05/03/1990")
    answered = talk.say("sí")

    assert asked.awaiting == "confirm"
    assert "5 de marzo de 1990" in asked.reply
    assert practice.called("lookup_patient")[0]["dob"] == "1990-03-05"
    assert answered.awaiting == "slot_choice"


def test_it_takes_the_other_reading_when_the_caller_says_no(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    talk.say("when is my appointment?")
    talk.say("Guadalupe Morales Vega")
    talk.say("03/05/1990")

    again = talk.say("no")
    talk.say("yes")

    assert "May 3, 1990" in again.reply
    assert practice.called("lookup_patient")[0]["dob"] == "1990-05-03"


def test_it_takes_a_corrected_day_of_birth(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()
    talk.say("I need an appointment")
    talk.say("Daniel Ortega")
    talk.say("11/12/1979")

    talk.say("no, my birthday is the 22nd")

    assert talk.state["dob"] == "1979-11-22"


def test_it_reads_no_patient_data_before_verification(
    dialogue: Callable[..., Dialogue], practice: FakePractice
) -> None:
    talk = dialogue()

    talk.say("when is my appointment?")
    talk.say("Angela Soto")

    assert not PATIENT_TOOLS & {name for name, _ in practice.calls}


def test_it_transfers_after_three_failed_verifications_without_saying_why(
    dialogue: Callable[..., Dialogue],
) -> None:
    talk = dialogue()
    talk.say("I want to book an appointment")

    for _ in range(3):
        talk.say("Angela Soto")
        talk.say("January 1, 1950")

    assert talk.last.outcome == "transferred"
    assert "transfer" in talk.action_types()
    assert "birth" not in talk.last.reply.lower() and "name" not in talk.last.reply.lower()


def test_it_asks_afresh_after_one_failed_lookup(dialogue: Callable[..., Dialogue]) -> None:
    talk = dialogue()
    talk.say("I want to book an appointment")
    talk.say("Angela Soto")

    failed = talk.say("January 1, 1950")

    assert failed.awaiting == "name"
    assert talk.state["dob"] is None and talk.state["given"] is None
