"""Erasure: delete or irreversibly de-identify everything held about one patient.

What is deleted: phones, coverages (member ids), turns, analyses, outreach attempts,
stored idempotent replies. What stays, emptied: the patient row (a stub the
referrals, appointments and conversations still point at, so counts and the audit
trail keep their links), referrals (specialty, status, dates; no reason, codes, notes
or attachments), transitions, appointments, conversations (channel, times, outcome),
staff tasks, messages to referrers, SIU messages to the practice-management system
and intake messages (their bodies replaced; a message not yet sent is failed, not sent
empty).

Loose ends are tied, after the stub is emptied so nothing built from here on names the
patient: future booked appointments are cancelled through the practice's calendar (the
slot frees, the calendar feed and the practice's scheduling feed hear of it; with a FHIR
calendar the EHR's booking is cancelled too, and when the EHR does not answer the visit
is cancelled here and a staff task says to cancel it there by hand), open referrals are
cancelled (nobody may contact an erased patient), and open staff tasks are closed. The
referrer is told nothing automatically: the messages those steps queue are failed
before delivery with the others, and a person tells the referrer what they need to know.
Call recordings are deleted at Twilio; one that could not be is listed on the report.

The audit trail is kept whole: its records name the patient by id only, and their
hashes cover every field, so editing them would break the chain the law asks us to keep.
Consents stay too: kind, yes/no, source and time are the proof of an opt-out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import Conflict, DomainError
from referraldesk.logging import get_logger
from referraldesk.models import (
    BOOKED,
    Appointment,
    Conversation,
    Coverage,
    OutboundMessage,
    OutreachAttempt,
    Patient,
    PatientPhone,
    Provider,
    Referral,
    ReferralTransition,
    ScheduleFeedMessage,
    StaffTask,
)
from referraldesk.referrals.lifecycle import CANCELLED, OPEN
from referraldesk.referrals.transitions import transition
from referraldesk.rights import footprint as prints
from referraldesk.rights.identifiers import refuse_patient_details
from referraldesk.rights.permissions import authorize, required_reason
from referraldesk.rights.requests import complete_request, open_request_of, subject
from referraldesk.rights.scrub import ERASED, clear_recordings, clear_transcript, empty_tool_call
from referraldesk.scheduling import booking
from referraldesk.scheduling.backends import calendar_for

log = get_logger(__name__)

# The stub's date of birth: a real column that may not be empty, and a date nobody has.
ERASED_DOB = date(1900, 1, 1)


# Why erasure cancelled an appointment or a referral: said to the trail, names nobody.
ERASURE_REASON = "patient data erased"


@dataclass
class ErasureReport:
    patient_id: str
    counts: dict[str, int] = field(default_factory=dict)
    # Conversations whose recording may still be held at Twilio: a person deletes it there.
    recordings_not_deleted: list[str] = field(default_factory=list)


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
        raise Conflict(
            f"to erase, type the patient's record id {patient.id} exactly as shown (the first "
            "column of `referraldesk patients list`, or the patient's page in the dashboard)",
            field="confirm",
        )
    if patient.status == "erased":
        raise Conflict(f"patient {patient.id} was already erased", field="patient_id")
    refuse_patient_details(why, patient, "reason")

    # Lock the chain first: erasure rewrites many rows and audits at the end.
    trail.lock_chain(session)
    found = prints.footprint_of(session, patient)
    report = ErasureReport(patient.id)
    report.counts["conversations"] = len(found.conversation_ids)
    report.counts["turns"] = clear_transcript(session, list(found.conversation_ids))
    recordings = clear_recordings(session, list(found.conversation_ids))
    report.counts["recordings"] = recordings.cleared
    report.counts["recordings_not_deleted"] = len(recordings.not_deleted)
    report.recordings_not_deleted = recordings.not_deleted
    _conversations(session, found.conversation_ids)
    report.counts["tool_calls_elsewhere"] = _unlinked_tool_calls(session, found)
    report.counts["stored_replies"] = _stored_replies(session, found)
    report.counts["intake_messages"] = _intake_messages(session, found)
    report.counts["outreach_attempts"] = _outreach(session, patient.id)
    report.counts["appointments"] = _appointments(session, patient.id)
    # Before the cancellations below: the S15s they queue name only the stub, and must go.
    report.counts["schedule_feed_messages"] = _schedule_feed(session, patient.id)
    _patient(session, patient)
    session.flush()

    # Loose ends, now that anything they build (an SIU, a message) names only the stub.
    left_in_calendar = _cancel_future_appointments(session, actor, patient.id)
    report.counts["appointments_cancelled"] = left_in_calendar.cancelled
    report.counts["referrals_cancelled"] = _cancel_open_referrals(
        session, actor, found.referral_ids)
    # After the cancellations: the messages to the referrer they queued are failed here.
    report.counts["referrals"] = _referrals(session, found.referral_ids)
    report.counts["staff_tasks"] = _staff_tasks(session, patient.id, found.conversation_ids)
    # After the tasks are closed: these are new, and a person must act on them.
    report.counts["calendar_cancellations_by_hand"] = _cancel_by_hand_tasks(
        session, actor, left_in_calendar.appointment_ids)
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
        # A PDF door keeps the faxed file and what was read from it: both are the patient's.
        message.document = None
        message.extracted = None
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


def _schedule_feed(session: Session, patient_id: str) -> int:
    """Empty the SIU messages about the patient's appointments; fail those not yet sent."""
    of_patient = select(Appointment.id).where(Appointment.patient_id == patient_id)
    messages = list(session.scalars(
        select(ScheduleFeedMessage).where(ScheduleFeedMessage.appointment_id.in_(of_patient))))
    for message in messages:
        message.payload = ERASED
        message.last_error = None
        if message.status == "pending":
            message.status, message.next_attempt_at = "failed", None
            message.last_error = "patient data erased before delivery"
    return len(messages)


@dataclass
class _Cancelled:
    cancelled: int
    # Cancelled here but perhaps still booked in the practice's calendar (its EHR).
    appointment_ids: list[str]


def _cancel_future_appointments(session: Session, actor: Actor, patient_id: str) -> _Cancelled:
    """Cancel the patient's booked appointments still to come, so their slots free.

    Through the practice's calendar, so an EHR's booking goes too. An EHR that does not
    answer must not stop the erasure: the visit is cancelled here and left for a person.
    """
    upcoming = list(session.scalars(select(Appointment.id).where(
        Appointment.patient_id == patient_id, Appointment.status == BOOKED,
        Appointment.start_at > now())))
    if not upcoming:
        return _Cancelled(0, [])
    calendar = calendar_for(session)
    left: list[str] = []
    for appointment_id in upcoming:
        try:
            # The FHIR calendar cancels here before asking the EHR; the savepoint undoes
            # that half-done cancel so the local one below is whole.
            with session.begin_nested():
                calendar.cancel(session, actor, appointment_id, ERASURE_REASON)
        except DomainError as exc:
            booking.cancel(session, actor, appointment_id, ERASURE_REASON)
            left.append(appointment_id)
            log.warning("erasure_calendar_cancel_failed", appointment_id=appointment_id,
                        calendar=calendar.name, error_code=exc.code)
    return _Cancelled(len(upcoming), left)


def _cancel_by_hand_tasks(session: Session, actor: Actor, appointment_ids: list[str]) -> int:
    """A staff task for each visit the practice's calendar may still hold.

    The task names the visit the way the EHR shows it (its id there, provider, time)
    and links only the emptied patient stub.
    """
    for appointment_id in appointment_ids:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        provider = session.get(Provider, appointment.provider_id)
        local = appointment.start_at.astimezone(ZoneInfo(appointment.timezone))
        in_ehr = f"Appointment/{appointment.external_id}" if appointment.external_id \
            else f"the visit {appointment.id}"
        provider_name = provider.display_name if provider else "the provider"
        task = StaffTask(
            kind="review", patient_id=appointment.patient_id, urgency="soon",
            reason=(f"Cancel in the EHR by hand: {in_ehr}, {provider_name}, "
                    f"{local:%Y-%m-%d %H:%M}. Erasure could not cancel it there.")[:200],
            status="open", created_at=now(),
        )
        session.add(task)
        session.flush()
        trail.record(session, actor, "create", "staff_task", task.id,
                     patient_id=appointment.patient_id,
                     reason="erasure could not cancel the visit in the practice's calendar")
        log.warning("erasure_left_calendar_booking", appointment_id=appointment.id,
                    staff_task_id=task.id)
    return len(appointment_ids)


def _cancel_open_referrals(session: Session, actor: Actor, referral_ids: tuple[str, ...]) -> int:
    """Cancel the patient's open referrals: outreach must not go on contacting the stub."""
    if not referral_ids:
        return 0
    open_ones = list(session.scalars(select(Referral).where(
        Referral.id.in_(referral_ids), Referral.status.in_(OPEN))))
    for referral in open_ones:
        transition(session, actor, referral, CANCELLED, reason=ERASURE_REASON)
    return len(open_ones)


def _staff_tasks(session: Session, patient_id: str, conversation_ids: tuple[str, ...]) -> int:
    about_patient = StaffTask.patient_id == patient_id
    if conversation_ids:
        about_patient = about_patient | StaffTask.conversation_id.in_(conversation_ids)
    tasks = list(session.scalars(select(StaffTask).where(about_patient)))
    for task in tasks:
        task.reason = ERASED
        task.summary = None
        task.callback_phone = None
        if task.status == "open":
            # Nobody can call an erased patient back; off the Today worklist.
            task.status, task.done_at = "done", now()
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
