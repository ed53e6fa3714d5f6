"""The patient a referral is for: matched on name, date of birth and phone, or created.

A referral is matched to a patient on file only when the name, the date of birth
and a phone on file all agree: never on a name alone, and not on name and birth
date when the phone differs (that message waits for a person). Anyone else is
registered from the referral as unverified (`identity_confirmed=False`) until the
patient confirms who they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import Ambiguous, Conflict, DomainError, InvalidArgument, NotFound
from referraldesk.intake.facts import PatientFacts
from referraldesk.logging import get_logger
from referraldesk.models import Patient, PatientPhone, Plan
from referraldesk.patients.identity import NameParts, find_by_phone, find_patient, name_strength
from referraldesk.patients.names import name_key
from referraldesk.patients.schemas import PatientIn, parse_patient
from referraldesk.patients.service import register_patient, resolve_plan

log = get_logger(__name__)


@dataclass
class PatientMatch:
    """The patient, whether we created them, and notes for the referral (unread plans)."""

    patient: Patient
    created: bool
    notes: list[str] = field(default_factory=list)


def patient_for(session: Session, actor: Actor, facts: PatientFacts) -> PatientMatch:
    """Return the patient the referral means, registering an unverified one if needed.

    Raises NotFound for a patient id we do not know, Conflict when a namesake born
    the same day has other phones, Ambiguous when the phone does not single one out.
    """
    if facts.patient_id:
        return PatientMatch(_active(session, facts.patient_id), created=False)
    if facts.dob is None or not facts.phone:
        raise InvalidArgument("a new referral's patient needs a date of birth and a phone",
                              field="patient")
    existing = _on_file(session, facts)
    if existing is not None:
        return PatientMatch(existing, created=False)
    return _register(session, actor, facts)


def _on_file(session: Session, facts: PatientFacts) -> Patient | None:
    if facts.dob is None:
        return None
    try:
        patient = find_patient(session, facts.given_names, facts.surnames, facts.dob)
    except NotFound:
        return None
    except Ambiguous:
        return _namesake_with_phone(session, facts)
    if facts.phone in {phone.e164 for phone in patient.phones}:
        log.info("intake_patient_matched", patient_id=patient.id)
        return patient
    raise Conflict(
        "a patient with this name and date of birth is on file with a different phone; "
        "a person must confirm who this is before the referral is applied (fix the phone "
        "in the message or on the patient's record, then replay it)",
        field="patient.phone",
    )


def _namesake_with_phone(session: Session, facts: PatientFacts) -> Patient:
    wanted = NameParts.of(facts.given_names, facts.surnames)
    matches = [
        patient for patient in find_by_phone(session, facts.phone or "")
        if patient.dob == facts.dob
        and name_strength(wanted, NameParts.of(patient.given_names, patient.surnames))
    ]
    if len(matches) != 1:
        raise Ambiguous(
            "more than one patient on file has this name and date of birth and the phone "
            "does not tell them apart; a person must pick the right record",
            field="patient",
        )
    return matches[0]


def _register(session: Session, actor: Actor, facts: PatientFacts) -> PatientMatch:
    plan, notes = _plan(session, facts)
    data = {
        "given_names": facts.given_names, "surnames": facts.surnames, "dob": facts.dob,
        "phone": facts.phone, "preferred_language": facts.language,
        "plan": plan.name if plan else _NO_PLAN, "member_id": facts.member_id,
    }
    if plan is not None:
        patient = register_patient(session, actor, data, identity_confirmed=False)
    else:
        patient = _register_without_coverage(session, actor, parse_patient(data))
    log.info("intake_patient_registered", patient_id=patient.id, covered=plan is not None)
    return PatientMatch(patient, created=True, notes=notes)


def _plan(session: Session, facts: PatientFacts) -> tuple[Plan | None, list[str]]:
    for text in facts.plan_texts:
        try:
            return resolve_plan(session, text), []
        except DomainError:
            continue
    if not facts.plan_texts:
        return None, []
    sent = "; ".join(dict.fromkeys(facts.plan_texts))
    member = f", member id {facts.member_id}" if facts.member_id else ""
    return None, [f"Insurance sent as {sent}{member}: not matched to a plan taken here."]


# register_patient needs a plan name (PatientIn.plan is required). A referral whose
# insurance is missing or unknown still needs its patient; the placeholder passes
# validation of the other fields and no coverage is created (triage: needs_info).
_NO_PLAN = "not given"


def _register_without_coverage(session: Session, actor: Actor, data: PatientIn) -> Patient:
    if _namesake_on_file(session, data):
        raise Conflict("a patient with this name and date of birth was registered meanwhile; "
                       "replay the message", field="patient")
    patient = Patient(
        given_names=data.given_names, surnames=list(data.surnames), dob=data.dob,
        name_key=name_key(data.given_names, data.surnames),
        preferred_language=data.preferred_language, identity_confirmed=False, status="active",
    )
    patient.phones.append(PatientPhone(e164=data.phone, kind="mobile", is_primary=True))
    session.add(patient)
    session.flush()
    trail.record(session, actor, "create", "patient", patient.id, patient_id=patient.id,
                 reason="registered from a referral, without coverage")
    return patient


def _namesake_on_file(session: Session, data: PatientIn) -> bool:
    try:
        find_patient(session, data.given_names, data.surnames, data.dob)
    except NotFound:
        return False
    except Ambiguous:
        return True
    return True


def _active(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.status != "active":
        raise NotFound(f"no patient with id {patient_id!r}; send the patient's details instead",
                       field="patient")
    return patient
