"""Finding a patient by name, date of birth or phone, and one patient's record."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referraldesk.calendar_feeds.confirmation import confirmation_url
from referraldesk.clock import now
from referraldesk.db.encrypted import blind_contains, blind_match
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
_PATIENT_ID = re.compile(r"[0-9a-f]{32}")
RECORD_ROWS = 50


def search(session: Session, *, name: str = "", dob: date | None = None,
           phone: str = "") -> list[Patient]:
    """Active patients matching every criterion given: whole words of the name (accents and
    case folded), the exact date of birth, the phone in any format; a patient id typed as
    the name finds that patient. At least one is needed.

    Names, dates and phones are encrypted at rest, so each is matched through its blind
    index (db/encrypted.py), which knows only whole values: "Pérez" finds "Pérez Núñez",
    "Pér" finds nobody. Results are sorted by name after decryption."""
    words = tokens(name)
    if not words and dob is None and not phone.strip():
        raise InvalidArgument("give a name, a date of birth or a phone number to search by",
                              field="name")
    query = select(Patient).where(Patient.status == "active")
    if _PATIENT_ID.fullmatch(name.strip()):
        query = query.where(Patient.id == name.strip())
    else:
        for word in words:
            query = query.where(blind_contains(Patient.name_words_index, "name_word", word))
    if dob is not None:
        query = query.where(blind_match(Patient.dob_index, "dob", dob.isoformat()))
    if phone.strip():
        e164 = normalize_phone(phone)
        on_file = blind_match(PatientPhone.e164_index, "phone", e164)
        query = query.where(Patient.id.in_(select(PatientPhone.patient_id).where(on_file)))
    found = session.scalars(
        query.options(selectinload(Patient.phones)).order_by(Patient.created_at).limit(RESULTS))
    return sorted(found, key=lambda patient: (patient.name_key, patient.dob))


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
    appointments = list(session.scalars(
        select(Appointment).where(Appointment.patient_id == patient.id)
        .options(selectinload(Appointment.provider), selectinload(Appointment.location))
        .order_by(Appointment.start_at.desc()).limit(RECORD_ROWS)))
    return {
        "patient": patient,
        "consents": consents_in_force(patient),
        "appointments": appointments,
        "calendar_links": calendar_links(appointments),
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


def calendar_links(appointments: list[Appointment]) -> dict[str, str]:
    """The signed .ics link of each booked visit still to come, for staff to send the
    patient: the agent's confirmation text leaves out the provider, the file does not."""
    at = now()
    return {a.id: confirmation_url(a) for a in appointments
            if a.status == "booked" and a.end_at > at}
