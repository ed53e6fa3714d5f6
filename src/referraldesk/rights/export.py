"""An access export: every row held about one patient, as JSON-ready data.

Rows are read through the ORM, so columns stored encrypted come out as their values.
Each row is shown with all its columns: an access request is answered with what is
held, not with a summary of it. The exception is columns that exist only to find rows
(blind indexes, the folded name): keyed hashes and normalized copies of values the
export already shows, which tell the patient nothing and would let whoever holds the
export and the server's key match the patient in other copies of the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models import (
    Appointment,
    AuditEvent,
    Conversation,
    ConversationAnalysis,
    DataRightsRequest,
    OutboundMessage,
    OutreachAttempt,
    RecordingDisclosure,
    Referral,
    ScheduleFeedMessage,
    StaffTask,
    ToolCall,
    Turn,
)
from referraldesk.rights import footprint as prints
from referraldesk.rights.identifiers import refuse_patient_details
from referraldesk.rights.permissions import authorize, required_reason
from referraldesk.rights.requests import complete_request, open_request_of, subject

log = get_logger(__name__)

FORMAT_VERSION = 1
# Look-up copies that are not blind indexes: Patient.name_key, the folded name.
DERIVED_LOOKUP_COLUMNS = frozenset({"name_key"})


def export_patient(
    session: Session, actor: Actor, patient_id: str, *, reason: str, answers_request: bool = True
) -> dict[str, Any]:
    """Everything about the patient; audited as an export. `answers_request` marks the
    patient's open access request answered (a second download for the same request need not)."""
    authorize(actor, "export")
    why = required_reason(reason)
    patient = subject(session, patient_id)
    refuse_patient_details(why, patient, "reason")

    data = collect(session, patient_id)
    trail.record(session, actor, "export", "patient", patient.id, patient_id=patient.id,
                 reason=why)
    request = open_request_of(session, patient.id, "access") if answers_request else None
    if request is not None:
        complete_request(session, actor, request.id)
    log.info("patient_exported", patient_id=patient.id,
             conversations=len(data["conversations"]), referrals=len(data["referrals"]))
    return data


def collect(session: Session, patient_id: str) -> dict[str, Any]:
    """The export's content, unaudited (the caller audits)."""
    patient = subject(session, patient_id)
    found = prints.footprint_of(session, patient)
    conversation_ids = list(found.conversation_ids)
    referral_ids = list(found.referral_ids)
    return {
        "format": "referraldesk-patient-export",
        "version": FORMAT_VERSION,
        "exported_at": now().isoformat(),
        "patient": row(patient),
        "phones": [row(phone) for phone in patient.phones],
        "coverages": [row(c) | {"plan": c.plan.name} for c in patient.coverages],
        "consents": [row(consent) for consent in patient.consents],
        "referrals": [_referral(session, referral) for referral in _all(
            session, select(Referral).where(Referral.id.in_(referral_ids))
            .order_by(Referral.received_at))],
        "appointments": [_appointment(session, appointment) for appointment in _all(
            session, select(Appointment).where(Appointment.patient_id == patient.id)
            .order_by(Appointment.start_at))],
        "conversations": [_conversation(session, conversation) for conversation in _all(
            session, select(Conversation).where(Conversation.id.in_(conversation_ids))
            .order_by(Conversation.started_at))],
        "tool_calls_outside_conversations": [
            row(call) for call in prints.unlinked_tool_calls(session, found.ids)],
        "outreach_attempts": _rows(session, select(OutreachAttempt)
                                   .where(OutreachAttempt.patient_id == patient.id)
                                   .order_by(OutreachAttempt.at)),
        "staff_tasks": _rows(session, select(StaffTask)
                             .where(StaffTask.patient_id == patient.id)
                             .order_by(StaffTask.created_at)),
        "intake_messages": [row(message) for message in
                            prints.intake_messages(session, found.ids, found.referral_ids)],
        "data_rights_requests": _rows(session, select(DataRightsRequest)
                                      .where(DataRightsRequest.patient_id == patient.id)
                                      .order_by(DataRightsRequest.received_at)),
        "audit_events": _rows(session, select(AuditEvent)
                              .where(AuditEvent.patient_id == patient.id)
                              .order_by(AuditEvent.seq)),
    }


def row(instance: Any) -> dict[str, Any]:
    """Every column of an ORM row as JSON-ready values (dates as ISO strings)."""
    mapper = inspect(instance).mapper
    return {
        attr.key: _plain(getattr(instance, attr.key))
        for attr in mapper.column_attrs
        if not is_lookup_column(mapper.class_, attr.key)
    }


def is_lookup_column(model: type, key: str) -> bool:
    """True for a column kept only to find rows: a blind index or a derived look-up key."""
    blind_indexes = getattr(model, "__blind_indexes__", {})
    return key in blind_indexes or key.endswith("_index") or key in DERIVED_LOOKUP_COLUMNS


def _referral(session: Session, referral: Referral) -> dict[str, Any]:
    return row(referral) | {
        "history": [row(step) for step in referral.history],
        "messages_to_referrer": _rows(session, select(OutboundMessage)
                                      .where(OutboundMessage.referral_id == referral.id)
                                      .order_by(OutboundMessage.created_at)),
    }


def _appointment(session: Session, appointment: Appointment) -> dict[str, Any]:
    return row(appointment) | {
        "messages_to_scheduling_system": _rows(
            session, select(ScheduleFeedMessage)
            .where(ScheduleFeedMessage.appointment_id == appointment.id)
            .order_by(ScheduleFeedMessage.created_at, ScheduleFeedMessage.id)),
    }


def _conversation(session: Session, conversation: Conversation) -> dict[str, Any]:
    return row(conversation) | {
        "turns": _rows(session, select(Turn).where(Turn.conversation_id == conversation.id)
                       .order_by(Turn.seq)),
        "tool_calls": _rows(session, select(ToolCall)
                            .where(ToolCall.conversation_id == conversation.id)
                            .order_by(ToolCall.at)),
        "analyses": _rows(session, select(ConversationAnalysis)
                          .where(ConversationAnalysis.conversation_id == conversation.id)
                          .order_by(ConversationAnalysis.analyzed_at)),
        "recording_disclosures": _rows(session, select(RecordingDisclosure)
                                       .where(RecordingDisclosure.conversation_id
                                              == conversation.id)
                                       .order_by(RecordingDisclosure.played_at)),
    }


def _all(session: Session, query: Any) -> list[Any]:
    return list(session.scalars(query))


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [row(instance) for instance in session.scalars(query)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
