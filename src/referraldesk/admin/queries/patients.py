"""Finding a patient by name, date of birth or phone, and one patient's record."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import (
    Appointment,
    Conversation,
    Coverage,
    Patient,
    PatientPhone,
    Referral,
    StaffTask,
)
from referraldesk.patients.consents import consents_in_force
from referraldesk.patients.names import tokens
from referraldesk.patients.phones import normalize_phone

RESULTS = 50
RECORD_ROWS = 50


def search(session: Session, *, name: str = "", dob: date | None = None,
           phone: str = "") -> list[Patient]:
    """Active patients matching every criterion given: words of the name (accents and case
    folded), the exact date of birth, the phone in any format. At least one is needed."""
    words = tokens(name)
    if not words and dob is None and not phone.strip():
        raise InvalidArgument("give a name, a date of birth or a phone number to search by",
                              field="name")
    query = select(Patient).where(Patient.status == "active")
    for word in words:
        query = query.where(Patient.name_key.contains(word, autoescape=True))
    if dob is not None:
        query = query.where(Patient.dob == dob)
    if phone.strip():
        e164 = normalize_phone(phone)
        query = query.where(Patient.id.in_(
            select(PatientPhone.patient_id).where(PatientPhone.e164 == e164)))
    return list(session.scalars(
        query.options(selectinload(Patient.phones))
        .order_by(Patient.name_key, Patient.dob).limit(RESULTS)
    ))


def patient_record(session: Session, patient_id: str) -> dict[str, Any]:
    """The patient with phones, coverage, consents in force, and their latest appointments,
    referrals, conversations and open staff tasks."""
    patient = session.scalar(
        select(Patient).where(Patient.id == patient_id)
        .options(selectinload(Patient.phones),
                 selectinload(Patient.coverages).selectinload(Coverage.plan),
                 selectinload(Patient.consents))
    )
    if patient is None:
        raise NotFound(f"there is no patient with id {patient_id!r}", field="patient_id")
    return {
        "patient": patient,
        "consents": consents_in_force(patient),
        "appointments": list(session.scalars(
            select(Appointment).where(Appointment.patient_id == patient.id)
            .options(selectinload(Appointment.provider), selectinload(Appointment.location))
            .order_by(Appointment.start_at.desc()).limit(RECORD_ROWS))),
        "referrals": list(session.scalars(
            select(Referral).where(Referral.patient_id == patient.id)
            .order_by(Referral.received_at.desc()).limit(RECORD_ROWS))),
        "conversations": list(session.scalars(
            select(Conversation).where(Conversation.patient_id == patient.id)
            .order_by(Conversation.started_at.desc()).limit(RECORD_ROWS))),
        "tasks": list(session.scalars(
            select(StaffTask).where(StaffTask.patient_id == patient.id,
                                    StaffTask.status == "open"))),
    }
