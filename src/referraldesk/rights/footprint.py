"""Every row about one patient: what an access export shows and an erasure clears.

Most rows hang off the patient by a key. A few do not: a conversation where the caller
never got verified (found by the caller's number), a staff or integration tool call
(no conversation), a stored idempotent reply, an intake message that failed before it
named a referral. Those are found by scanning for the patient's identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from referraldesk.db.encrypted import blind_match
from referraldesk.models import (
    Appointment,
    Consent,
    Conversation,
    IdempotencyRecord,
    IntakeMessage,
    OutreachAttempt,
    Patient,
    Referral,
    ToolCall,
)
from referraldesk.rights.identifiers import Identifiers, identifiers_of

SCAN_BATCH = 500


@dataclass(frozen=True)
class Footprint:
    patient: Patient
    ids: Identifiers
    referral_ids: tuple[str, ...]
    conversation_ids: tuple[str, ...]


def footprint_of(session: Session, patient: Patient) -> Footprint:
    ids = identifiers_of(patient)
    referral_ids = tuple(session.scalars(
        select(Referral.id).where(Referral.patient_id == patient.id).order_by(Referral.received_at)
    ))
    return Footprint(patient, ids, referral_ids, _conversation_ids(session, patient, ids,
                                                                   referral_ids))


def _conversation_ids(
    session: Session, patient: Patient, ids: Identifiers, referral_ids: tuple[str, ...]
) -> tuple[str, ...]:
    linked: set[str] = set()
    for column, owner in ((OutreachAttempt.conversation_id, OutreachAttempt.patient_id),
                          (Appointment.conversation_id, Appointment.patient_id),
                          (Consent.conversation_id, Consent.patient_id)):
        linked.update(found for found in session.scalars(
            select(column).where(owner == patient.id, column.is_not(None))) if found)
    # An unverified conversation is the patient's when it came from their number or is
    # about their referral; one verified as somebody else never is.
    unverified = [Conversation.id.in_(linked)]
    if ids.phones:
        unverified.extend(blind_match(Conversation.caller_phone_index, "phone", phone)
                          for phone in ids.phones)
    if referral_ids:
        unverified.append(Conversation.referral_id.in_(referral_ids))
    query = select(Conversation.id).where(or_(
        Conversation.patient_id == patient.id,
        Conversation.patient_id.is_(None) & or_(*unverified),
    )).order_by(Conversation.started_at)
    return tuple(session.scalars(query))


def unlinked_tool_calls(session: Session, ids: Identifiers) -> list[ToolCall]:
    """Staff and integration tool calls (no conversation) whose contents name the patient."""
    query = select(ToolCall).where(ToolCall.conversation_id.is_(None)).order_by(ToolCall.at)
    return [call for call in session.scalars(query.execution_options(yield_per=SCAN_BATCH))
            if ids.found_in_data([call.arguments, call.result, call.error])]


def idempotency_records(session: Session, ids: Identifiers) -> list[IdempotencyRecord]:
    """Stored replies of retried writes that carry the patient's data."""
    query = select(IdempotencyRecord).order_by(IdempotencyRecord.created_at)
    return [record for record in session.scalars(query.execution_options(yield_per=SCAN_BATCH))
            if ids.found_in_data(record.response)]


def intake_messages(
    session: Session, ids: Identifiers, referral_ids: tuple[str, ...]
) -> list[IntakeMessage]:
    """Intake messages of the patient's referrals, and unlinked ones that name the patient."""
    linked = list(session.scalars(
        select(IntakeMessage).where(IntakeMessage.referral_id.in_(referral_ids))
        .order_by(IntakeMessage.received_at)
    )) if referral_ids else []
    unlinked_query = (select(IntakeMessage).where(IntakeMessage.referral_id.is_(None))
                      .order_by(IntakeMessage.received_at))
    unlinked = [
        message
        for message in session.scalars(unlinked_query.execution_options(yield_per=SCAN_BATCH))
        if ids.found_in(" ".join(filter(None, (message.body, message.reply, message.error))))
    ]
    return linked + unlinked
