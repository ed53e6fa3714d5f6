from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tools.factories import Call, PracticeData, make_patient, make_referral

from referraldesk.models import Appointment, Patient, Referral
from referraldesk.tools import ToolContext


def _slot(practice: PracticeData, utc: str) -> str:
    return f"{practice.therapist.id}:{practice.site.id}:{utc}"


def test_it_lists_slots_with_local_times_and_the_patients_plan(
    call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    outcome = call(verified, "get_available_slots", specialty="fisioterapia", limit=2)

    assert outcome.data["plan"] == "CalViva Health"
    assert (outcome.data["date_from"], outcome.data["date_to"]) == ("2026-03-10", "2026-04-09")
    first = outcome.data["slots"][0]
    assert first == {
        "slot_id": _slot(practice, "20260310T1700Z"),
        "start": "2026-03-10T10:00:00-07:00",
        "end": "2026-03-10T10:30:00-07:00",
        "weekday": "tue",
        "local_date": "2026-03-10",
        "local_time": "10:00",
        "duration_minutes": 30,
        "provider_id": practice.therapist.id,
        "provider_name": "Dr. Ana Ruiz",
        "provider_languages": ["en", "es"],
        "specialty": "physical_therapy",
        "location_id": practice.site.id,
        "location_name": "Fresno Main",
    }
    assert len(outcome.data["slots"]) == 2


def test_it_keeps_to_windows_dates_and_an_urgent_target(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    early = call(
        agent,
        "get_available_slots",
        specialty="physical_therapy",
        date_from="2026-03-11",
        windows=[{"weekdays": ["thu"], "before": "08:00"}],
    )
    urgent = call(
        agent,
        "get_available_slots",
        specialty="physical_therapy",
        urgency="urgent",
        target_date="2026-03-10",
        limit=20,
    )

    assert [s["start"] for s in early.data["slots"]][:3] == [
        "2026-03-12T07:00:00-07:00",
        "2026-03-12T07:30:00-07:00",
        "2026-03-19T07:00:00-07:00",
    ]
    assert {s["local_date"] for s in urgent.data["slots"]} == {"2026-03-10"}


def test_slots_outside_the_plan_are_not_offered(
    call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    outcome = call(verified, "get_available_slots", specialty="orthopedics")

    assert outcome.data["slots"] == []


def test_a_search_needs_a_specialty_or_provider_and_sane_dates(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    nothing = call(agent, "get_available_slots")
    backwards = call(
        agent,
        "get_available_slots",
        specialty="physical_therapy",
        date_from="2026-03-20",
        date_to="2026-03-12",
    )
    late = call(
        agent,
        "get_available_slots",
        specialty="physical_therapy",
        urgency="urgent",
        target_date="2026-03-01",
    )
    unknown = call(agent, "get_available_slots", specialty="dermatology")

    assert (nothing.error.code, nothing.error.field) == ("invalid_argument", "specialty")
    assert (backwards.error.code, backwards.error.field) == ("invalid_argument", "date_to")
    assert (late.error.code, late.error.field) == ("invalid_argument", "target_date")
    assert unknown.error.code == "not_found"


def test_it_finds_the_next_available_time(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    found = call(agent, "find_next_available", specialty="physical_therapy", date_from="2026-03-14")
    none = call(
        agent, "find_next_available", specialty="physical_therapy", windows=[{"weekdays": ["sun"]}]
    )

    assert found.data["slot"]["start"] == "2026-03-16T07:00:00-07:00"
    assert none.error.code == "not_found"


def test_it_books_the_verified_patient_and_schedules_the_referral(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    referral = make_referral(session, maria)

    outcome = call(
        verified,
        "schedule_appointment",
        slot_id=_slot(practice, "20260312T1500Z"),
        service="pt_eval",
        referral_id=referral.id,
    )

    appointment = outcome.data["appointment"]
    assert {
        key: appointment[key]
        for key in (
            "status",
            "start",
            "end",
            "location",
            "service",
            "referral_id",
            "weekday",
            "local_time",
        )
    } == {
        "status": "booked",
        "start": "2026-03-12T08:00:00-07:00",
        "end": "2026-03-12T08:30:00-07:00",
        "location": "Fresno Main",
        "service": "pt_eval",
        "referral_id": referral.id,
        "weekday": "thu",
        "local_time": "08:00",
    }
    assert appointment["provider"] == {
        "id": practice.therapist.id,
        "name": "Dr. Ana Ruiz",
        "specialty": "physical_therapy",
    }
    stored = session.get(Appointment, appointment["id"])
    assert (stored.patient_id, stored.channel, stored.conversation_id) == (
        maria.id,
        "chat",
        verified.conversation_id,
    )
    assert (referral.status, referral.appointment_id) == ("scheduled", stored.id)


def test_an_idempotent_retry_books_once(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    slot = _slot(practice, "20260312T1500Z")

    first = call(verified, "schedule_appointment", key="book-1", slot_id=slot)
    retry = call(verified, "schedule_appointment", key="book-1", slot_id=slot)

    assert retry.replayed and retry.data == first.data
    assert len(session.scalars(select(Appointment)).all()) == 1


def test_a_taken_slot_says_so_and_names_the_next(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    other = make_patient(session, practice.medi_cal, given_names="Rosa", phone="+15595550150")
    staff_ctx = ToolContext.for_agent(
        verified.conversation_id, "chat", "es", verified_patient_id=other.id
    )
    call(staff_ctx, "schedule_appointment", slot_id=_slot(practice, "20260312T1500Z"))

    outcome = call(verified, "schedule_appointment", slot_id=_slot(practice, "20260312T1500Z"))

    assert outcome.error.code == "slot_taken"
    assert "Next open" in outcome.error.hint


def test_a_provider_outside_the_plan_is_out_of_network(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    slot = f"{practice.surgeon.id}:{practice.second_site.id}:20260316T1600Z"

    outcome = call(verified, "schedule_appointment", slot_id=slot)

    assert outcome.error.code == "out_of_network"


def test_a_referral_of_another_patient_is_not_found(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    other = make_patient(session, practice.medi_cal, given_names="Rosa", phone="+15595550150")
    referral = make_referral(session, other)

    outcome = call(
        verified,
        "schedule_appointment",
        slot_id=_slot(practice, "20260312T1500Z"),
        referral_id=referral.id,
    )

    assert (outcome.error.code, outcome.error.field) == ("not_found", "referral_id")
    assert session.scalars(select(Appointment)).all() == []


def test_it_lists_cancels_and_moves_the_patients_appointments(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    referral = make_referral(session, maria)
    booked = call(
        verified,
        "schedule_appointment",
        slot_id=_slot(practice, "20260312T1500Z"),
        referral_id=referral.id,
    ).data["appointment"]

    listed = call(verified, "get_patient_appointments")
    moved = call(
        verified,
        "reschedule_appointment",
        appointment_id=booked["id"],
        slot_id=_slot(practice, "20260313T1600Z"),
    )
    new = moved.data["appointment"]
    cancelled = call(
        verified, "cancel_appointment", appointment_id=new["id"], reason="feels better"
    )
    history = call(verified, "get_patient_appointments", include_past=True)

    assert [a["id"] for a in listed.data["appointments"]] == [booked["id"]]
    assert (moved.data["previous_appointment_id"], new["start"]) == (
        booked["id"],
        "2026-03-13T09:00:00-07:00",
    )
    assert cancelled.data["appointment"]["status"] == "cancelled"
    assert [a["status"] for a in history.data["appointments"]] == ["cancelled", "cancelled"]
    assert (referral.status, referral.appointment_id) == ("contacting", None)


def test_appointments_of_another_patient_are_not_found(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    other = make_patient(session, practice.medi_cal, given_names="Rosa", phone="+15595550150")
    theirs = call(
        ToolContext.for_agent(verified.conversation_id, "chat", "es", verified_patient_id=other.id),
        "schedule_appointment",
        slot_id=_slot(practice, "20260312T1500Z"),
    ).data["appointment"]

    cancel = call(verified, "cancel_appointment", appointment_id=theirs["id"])
    move = call(
        verified,
        "reschedule_appointment",
        appointment_id=theirs["id"],
        slot_id=_slot(practice, "20260313T1600Z"),
    )

    assert (cancel.error.code, move.error.code) == ("not_found", "not_found")
    assert session.get(Appointment, theirs["id"]).status == "booked"


def test_cancelling_twice_is_an_illegal_transition(
    call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    booked = call(verified, "schedule_appointment", slot_id=_slot(practice, "20260312T1500Z"))
    appointment_id = booked.data["appointment"]["id"]
    call(verified, "cancel_appointment", appointment_id=appointment_id)

    again = call(verified, "cancel_appointment", appointment_id=appointment_id)

    assert again.error.code == "illegal_transition"


def test_a_malformed_slot_id_is_an_invalid_argument(
    call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    outcome = call(verified, "schedule_appointment", slot_id="tomorrow at nine")

    assert (outcome.error.code, outcome.error.field) == ("invalid_argument", "slot_id")


def test_referrals_are_untouched_by_a_failed_booking(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    referral = make_referral(session, maria)

    call(
        verified,
        "schedule_appointment",
        slot_id=_slot(practice, "20260312T0300Z"),
        referral_id=referral.id,
    )

    assert session.get(Referral, referral.id).status == "accepted"
