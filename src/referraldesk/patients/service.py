"""Registering patients and describing them to the tools.

Plan resolution and consents live in their own modules and are re-exported here,
where the rest of the product expects them (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor, lock_chain
from referraldesk.errors import Ambiguous, Duplicate, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import Coverage, Patient, PatientPhone
from referraldesk.patients.consents import (
    CONSENT_KINDS,
    CONSENT_SOURCES,
    consents_in_force,
    opt_out_everywhere,
    record_consent,
)
from referraldesk.patients.identity import find_patient
from referraldesk.patients.names import name_key
from referraldesk.patients.phones import mask_phone
from referraldesk.patients.plans import primary_plan, resolve_plan
from referraldesk.patients.schemas import PatientIn, parse_patient

__all__ = [
    "CONSENT_KINDS",
    "CONSENT_SOURCES",
    "DuplicatePatient",
    "PatientIn",
    "consents_in_force",
    "opt_out_everywhere",
    "patient_summary",
    "primary_plan",
    "record_consent",
    "register_patient",
    "resolve_plan",
]

log = get_logger(__name__)


class DuplicatePatient(Duplicate):
    """The patient is already registered; `existing_id` says as whom."""

    def __init__(self, existing_id: str):
        super().__init__(
            "a patient with this name and date of birth is already registered; use that record",
            field="given_names",
            hint=f"existing patient id {existing_id}",
        )
        self.existing_id = existing_id


# Any constant works; it only has to differ from the audit chain's lock key.
_REGISTRATION_LOCK_KEY = 720_302
_LOCK_BIRTH_DATE = text(
    "SELECT pg_advisory_xact_lock(CAST(:namespace AS integer), CAST(:day AS integer))"
)


def register_patient(
    session: Session,
    actor: Actor,
    data: PatientIn | Mapping[str, Any],
    *,
    identity_confirmed: bool = True,
) -> Patient:
    """Create a patient with phone, coverage and any intake consents; flushes, audits.

    Raises InvalidArgument listing every bad field, NotFound/Ambiguous for the plan,
    and Duplicate (DuplicatePatient with `existing_id` when exactly one matches) when a patient
    with this name and date of birth is already registered.
    `identity_confirmed=False` marks a patient registered from a referral, not by
    the patient themselves.
    """
    patient_in = parse_patient(data)
    _lock_registrations(session, patient_in)
    _refuse_duplicate(session, patient_in)
    plan = resolve_plan(session, patient_in.plan)

    patient = Patient(
        given_names=patient_in.given_names,
        surnames=list(patient_in.surnames),
        dob=patient_in.dob,
        name_key=name_key(patient_in.given_names, patient_in.surnames),
        preferred_language=patient_in.preferred_language,
        contact_windows=list(patient_in.contact_windows),
        identity_confirmed=identity_confirmed,
        status="active",
    )
    patient.phones.append(PatientPhone(e164=patient_in.phone, kind="mobile", is_primary=True))
    patient.coverages.append(
        Coverage(plan_id=plan.id, plan=plan, member_id=patient_in.member_id, is_primary=True)
    )
    session.add(patient)
    session.flush()

    trail.record(session, actor, "create", "patient", patient.id, patient_id=patient.id)
    for kind, granted in patient_in.consents.items():
        record_consent(session, actor, patient.id, kind, granted, "intake")
    log.info("patient_registered", patient_id=patient.id, plan_id=plan.id)
    return patient


def patient_summary(patient: Patient) -> dict[str, Any]:
    """What the tools may show about a verified patient: phones masked, no birth date."""
    plan = primary_plan(patient)
    return {
        "id": patient.id,
        "given_names": patient.given_names,
        "surnames": list(patient.surnames),
        "preferred_language": patient.preferred_language,
        "plan": plan.name if plan else None,
        "phones": [mask_phone(phone.e164) for phone in patient.phones],
        "contact_windows": list(patient.contact_windows or []),
    }


def _refuse_duplicate(session: Session, patient_in: PatientIn) -> None:
    try:
        existing = find_patient(
            session, patient_in.given_names, patient_in.surnames, patient_in.dob
        )
    except NotFound:
        return
    except Ambiguous as exc:
        raise Duplicate(
            "more than one patient with this name and date of birth is already registered; "
            "find the right one instead of registering another",
            field="given_names",
        ) from exc
    raise DuplicatePatient(existing.id)


def _lock_registrations(session: Session, patient_in: PatientIn) -> None:
    lock_registrations(session, patient_in.dob)


def lock_registrations(session: Session, dob: date) -> None:
    """Hold registrations of patients born on `dob` until this transaction ends."""
    # Race: two requests registering the same person both find "no match", then
    # both insert. SQLite already serializes writers (BEGIN IMMEDIATE); on
    # PostgreSQL we take a lock per birth date for the rest of the transaction.
    if session.get_bind().dialect.name == "postgresql":
        lock_chain(session)  # before any other lock: see audit.trail.lock_chain
        session.execute(
            _LOCK_BIRTH_DATE,
            {"namespace": _REGISTRATION_LOCK_KEY, "day": dob.toordinal()},
        )
