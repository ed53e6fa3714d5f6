"""Erasure: delete or irreversibly de-identify everything held about one patient.

What is deleted: phones, coverages (member ids), turns, analyses, outreach attempts,
stored idempotent replies. What stays, emptied: the patient row (a stub the
referrals, appointments and conversations still point at, so counts and the audit
trail keep their links), referrals (specialty, status, dates; no reason, codes, notes
or attachments), transitions, appointments, conversations (channel, times, outcome),
staff tasks, messages to referrers and intake messages (their bodies replaced).

The audit trail is kept whole: its records name the patient by id only, and their
hashes cover every field, so editing them would break the chain the law asks us to keep.
Consents stay too: kind, yes/no, source and time are the proof of an opt-out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import Conflict
from referraldesk.logging import get_logger
from referraldesk.models import (
    Appointment,
    Conversation,
    Coverage,
    OutboundMessage,
    OutreachAttempt,
    Patient,
    PatientPhone,
    Referral,
    ReferralTransition,
    StaffTask,
)
from referraldesk.rights import footprint as prints
from referraldesk.rights.identifiers import refuse_patient_details
from referraldesk.rights.permissions import authorize, required_reason
from referraldesk.rights.requests import complete_request, open_request_of, subject
from referraldesk.rights.scrub import ERASED, clear_recordings, clear_transcript, empty_tool_call

log = get_logger(__name__)

# The stub's date of birth: a real column that may not be empty, and a date nobody has.
ERASED_DOB = date(1900, 1, 1)


@dataclass
class ErasureReport:
    patient_id: str
    counts: dict[str, int] = field(default_factory=dict)


def erase_patient(
    session: Session, actor: Actor, patient_id: str, *, reason: str, confirm: str
) -> ErasureReport:
    """Erase the patient's data everywhere; `confirm` must be the patient's id, typed again.

    Answers the patient's open deletion request, if one is logged. Flushes, audits.
    """
    authorize(actor, "erase")
    why = required_reason(reason)
    patient = subject(session, patient_id)
    if confirm.strip() != patient.id:
        raise Conflict("to erase, type the patient's record id exactly as shown", field="confirm")
    if patient.status == "erased":
        raise Conflict(f"patient {patient.id} was already erased", field="patient_id")
    refuse_patient_details(why, patient, "reason")

    # Lock the chain first: erasure rewrites many rows and audits at the end.
    trail.lock_chain(session)
    found = prints.footprint_of(session, patient)
    report = ErasureReport(patient.id)
    report.counts["conversations"] = len(found.conversation_ids)
    report.counts["turns"] = clear_transcript(session, list(found.conversation_ids))
    clear_recordings(session, list(found.conversation_ids))
    _conversations(session, found.conversation_ids)
    report.counts["tool_calls_elsewhere"] = _unlinked_tool_calls(session, found)
    report.counts["stored_replies"] = _stored_replies(session, found)
    report.counts["referrals"] = _referrals(session, found.referral_ids)
    report.counts["intake_messages"] = _intake_messages(session, found)
    report.counts["outreach_attempts"] = _outreach(session, patient.id)
    report.counts["appointments"] = _appointments(session, patient.id)
    report.counts["staff_tasks"] = _staff_tasks(session, patient.id, found.conversation_ids)
    _patient(session, patient)
    session.flush()

    trail.record(session, actor, "erase", "patient", patient.id, patient_id=patient.id,
                 reason=why)
    request = open_request_of(session, patient.id, "deletion")
    if request is not None:
        complete_request(session, actor, request.id)
    log.info("patient_erased", patient_id=patient.id, **report.counts)
    return report


def _conversations(session: Session, conversation_ids: tuple[str, ...]) -> None:
    for conversation in session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids))
    ):
        conversation.caller_phone = None
        conversation.outcome_reason = None
        # A text thread's key or a call's CallSid points at the carrier's copy of the
        # messages; nothing here needs it once the words are gone.
        conversation.external_id = None


def _unlinked_tool_calls(session: Session, found: prints.Footprint) -> int:
    calls = prints.unlinked_tool_calls(session, found.ids)
    for call in calls:
        empty_tool_call(call)
    return len(calls)


def _stored_replies(session: Session, found: prints.Footprint) -> int:
    records = prints.idempotency_records(session, found.ids)
    for record in records:
        session.delete(record)
    return len(records)


def _referrals(session: Session, referral_ids: tuple[str, ...]) -> int:
    if not referral_ids:
        return 0
    for referral in session.scalars(select(Referral).where(Referral.id.in_(referral_ids))):
        referral.reason = ERASED
        referral.icd10 = []
        referral.notes = None
        referral.attachments = []
        referral.authorization_number = None
        # The referrer's order number points back at the patient in their records.
        referral.placer_id = None
    for step in session.scalars(
        select(ReferralTransition).where(ReferralTransition.referral_id.in_(referral_ids))
    ):
        step.reason = None
        step.source_message_id = None
    for message in session.scalars(
        select(OutboundMessage).where(OutboundMessage.referral_id.in_(referral_ids))
    ):
        message.payload = ERASED
        message.last_error = None
        if message.status == "pending":
            # An emptied message must not go out; the referrer is told by a person.
            message.status, message.next_attempt_at = "failed", None
            message.last_error = "patient data erased before delivery"
    return len(referral_ids)


def _intake_messages(session: Session, found: prints.Footprint) -> int:
    messages = prints.intake_messages(session, found.ids, found.referral_ids)
    for message in messages:
        message.body = ERASED
        message.reply = None
        message.error = None
        message.control_id = None
    return len(messages)


def _outreach(session: Session, patient_id: str) -> int:
    attempts = delete(OutreachAttempt).where(OutreachAttempt.patient_id == patient_id)
    result = session.execute(attempts)
    return int(result.rowcount or 0)


def _appointments(session: Session, patient_id: str) -> int:
    appointments = list(session.scalars(
        select(Appointment).where(Appointment.patient_id == patient_id)))
    for appointment in appointments:
        appointment.notes = None
        appointment.cancel_reason = None
    return len(appointments)


def _staff_tasks(session: Session, patient_id: str, conversation_ids: tuple[str, ...]) -> int:
    about_patient = StaffTask.patient_id == patient_id
    if conversation_ids:
        about_patient = about_patient | StaffTask.conversation_id.in_(conversation_ids)
    tasks = list(session.scalars(select(StaffTask).where(about_patient)))
    for task in tasks:
        task.reason = ERASED
        task.summary = None
        task.callback_phone = None
    return len(tasks)


def _patient(session: Session, patient: Patient) -> None:
    session.execute(delete(PatientPhone).where(PatientPhone.patient_id == patient.id))
    session.execute(delete(Coverage).where(Coverage.patient_id == patient.id))
    session.expire(patient, ["phones", "coverages"])
    patient.given_names = ERASED
    patient.surnames = []
    patient.dob = ERASED_DOB
    # Unique per stub and matching no search: name searches fold words into this key.
    patient.name_key = f"erased:{patient.id}"
    patient.contact_windows = []
    patient.address = patient.city = patient.state = patient.postal_code = None
    patient.status = "erased"
