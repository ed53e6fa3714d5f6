from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tools.factories import Call, PracticeData

from referraldesk.models import Appointment, AuditEvent, Consent, Patient, StaffTask
from referraldesk.tools import ToolContext


def _appointment(
    session: Session,
    practice: PracticeData,
    patient: Patient,
    start: str = "2026-03-12T15:30:00+00:00",
    status: str = "booked",
) -> Appointment:
    appointment = Appointment(
        patient_id=patient.id,
        provider_id=practice.therapist.id,
        location_id=practice.site.id,
        service_id=practice.evaluation.id,
        start_at=datetime.fromisoformat(start),
        end_at=datetime.fromisoformat(start.replace("15:30", "16:00")),
        timezone="America/Los_Angeles",
        status=status,
    )
    session.add(appointment)
    session.flush()
    return appointment


def test_it_opens_a_staff_task_and_asks_the_channel_to_transfer(
    session: Session, call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(
        agent,
        "transfer_to_staff",
        reason="billing question",
        urgency="soon",
        summary="Caller asks about a bill from January.",
    )

    task = session.scalars(select(StaffTask)).one()
    assert (task.kind, task.reason, task.urgency, task.status) == (
        "transfer",
        "billing question",
        "soon",
        "open",
    )
    assert task.conversation_id == agent.conversation_id
    assert task.callback_phone == "+15595550143"
    assert task.patient_id is None
    assert outcome.actions == [
        {
            "type": "transfer",
            "reason": "staff_requested",
            "task_id": task.id,
            "urgency": "soon",
            "to": "+15595550199",
        }
    ]


def test_it_links_the_task_to_the_verified_patient_and_audits_it(
    session: Session, call: Call, verified: ToolContext, maria: Patient
) -> None:
    call(
        verified,
        "transfer_to_staff",
        reason="wants a person",
        urgency="routine",
        summary="Asked for a person.",
        callback_phone="(559) 555-0177",
    )

    task = session.scalars(select(StaffTask)).one()
    assert (task.patient_id, task.callback_phone) == (maria.id, "+15595550177")
    audit = session.scalars(select(AuditEvent)).one()
    assert (audit.action, audit.resource_type, audit.patient_id) == (
        "create",
        "staff_task",
        maria.id,
    )


def test_it_refuses_a_transfer_without_a_reason(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "transfer_to_staff", reason="", urgency="now", summary="x")

    assert outcome.error.code == "invalid_argument"
    assert outcome.error.field == "reason"
    assert "urgency: Input should be 'routine', 'soon' or 'urgent'" in outcome.error.message


def test_it_texts_a_confirmation_in_the_patients_language(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    appointment = _appointment(session, practice, maria)

    outcome = call(verified, "send_confirmation", appointment_id=appointment.id)

    body = (
        "Valle Clinic: Hola María, su cita está confirmada para el jueves 12 de marzo a las "
        "8:30 a. m. en Fresno Main. Responda STOP para no recibir mensajes."
    )
    assert outcome.data == {"to": "+15595550143", "body": body, "language": "es"}
    assert outcome.actions == [{"type": "send_sms", "to": "+15595550143", "body": body}]


def test_it_texts_in_english_for_an_english_speaker(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    maria.preferred_language = "en"
    appointment = _appointment(session, practice, maria, start="2026-03-12T21:00:00+00:00")

    outcome = call(verified, "send_confirmation", appointment_id=appointment.id)

    assert outcome.data["body"] == (
        "Valle Clinic: Hi María, your appointment is confirmed for "
        "Thursday, March 12 at 2:00 PM at Fresno Main. Reply STOP to stop texts."
    )


def test_it_refuses_to_text_a_patient_who_opted_out(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    maria.consents.append(Consent(kind="texts", granted=False, source="sms"))
    appointment = _appointment(session, practice, maria)

    outcome = call(verified, "send_confirmation", appointment_id=appointment.id)

    assert outcome.error.code == "opted_out"
    assert outcome.actions == []


def test_it_confirms_only_a_booked_appointment_of_this_patient(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    cancelled = _appointment(session, practice, maria, status="cancelled")

    outcome = call(verified, "send_confirmation", appointment_id=cancelled.id)
    unknown = call(verified, "send_confirmation", appointment_id="someone-elses")

    assert (outcome.error.code, outcome.error.field) == ("invalid_argument", "appointment_id")
    assert unknown.error.code == "not_found"


def test_it_cannot_text_a_patient_without_a_mobile(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    maria.phones[0].kind = "home"
    appointment = _appointment(session, practice, maria)

    outcome = call(verified, "send_confirmation", appointment_id=appointment.id)

    assert outcome.error.code == "not_found"
    assert outcome.error.hint == "Confirm by voice, or ask staff to add a mobile number."
