"""The outbox: a message to the referrer written in the same transaction as the move.

`queue_for_transition` is called by `referrals.transitions.transition` after every
move. The message is built at once (so a retry sends the very same bytes with the
same control id) and stored as pending; the periodic sender delivers it. Because it
is a row of the same transaction, a move that rolls back tells the referrer nothing.

Practices that take only fax get a pending "letter" row instead: staff print the
status letter (PDF) and mark it sent. So do practices first seen at intake (protocol
"none", not in the practice file): their letter row is the task that tells staff to
phone or fax them, and the nudge list counts these letters per practice.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.db.base import new_id
from referraldesk.logging import get_logger
from referraldesk.loop import fhir_task, hl7
from referraldesk.models import Appointment, OutboundMessage, Referral, ReferringPractice
from referraldesk.referrals import lifecycle

log = get_logger(__name__)

# The moves a referrer hears about.
NOTIFIED: frozenset[str] = frozenset(
    {
        lifecycle.ACCEPTED,
        lifecycle.REJECTED,
        lifecycle.CANCELLED,
        lifecycle.SCHEDULED,
        lifecycle.NO_SHOW,
        lifecycle.VISIT_KEPT,
        lifecycle.CLOSED,
        lifecycle.DECLINED,
        lifecycle.UNREACHABLE,
        lifecycle.EXPIRED,
    }
)
HL7_PROTOCOLS = ("hl7_mllp", "hl7_http")
FHIR = "fhir"
FAX = "fax"
NONE = "none"
SENDABLE_PROTOCOLS = (*HL7_PROTOCOLS, FHIR)
# Told by a person, from a printed status letter.
BY_HAND_PROTOCOLS = (FAX, NONE)
LETTER = "letter"
CONSULT_NOTE = "consult_note"


def queue_for_transition(
    session: Session, referral: Referral, to_status: str
) -> OutboundMessage | None:
    """Queue the message telling the referrer about this move; None when they hear nothing."""
    if to_status not in NOTIFIED or referral.referring_practice_id is None:
        return None
    practice = session.get(ReferringPractice, referral.referring_practice_id)
    if practice is None or practice.protocol not in (*SENDABLE_PROTOCOLS, *BY_HAND_PROTOCOLS):
        return None
    return _queue(session, referral, practice, to_status)


def queue_for_reschedule(session: Session, referral: Referral) -> OutboundMessage | None:
    """Queue word that a scheduled referral's visit moved: SIU^S13 over HL7, the Task
    again (with the new appointment) over FHIR; fax practices hear at the next move."""
    if referral.referring_practice_id is None:
        return None
    practice = session.get(ReferringPractice, referral.referring_practice_id)
    if practice is None or practice.protocol not in SENDABLE_PROTOCOLS:
        return None
    kind = hl7.RESCHEDULED if practice.protocol in HL7_PROTOCOLS else lifecycle.SCHEDULED
    return _queue(session, referral, practice, kind)


def _queue(
    session: Session, referral: Referral, practice: ReferringPractice, kind: str
) -> OutboundMessage:
    message = _build(session, referral, practice, kind)
    message.created_at = _after_latest(session, referral.id)
    session.add(message)
    session.flush()
    log.info(
        "outbound_queued",
        outbound_message_id=message.id,
        referral_id=referral.id,
        protocol=message.protocol,
        message_type=message.message_type,
    )
    return message


def consult_note(referral: Referral) -> str | None:
    """The text of the latest consult note attached to the referral, if any."""
    notes = [a for a in referral.attachments or [] if a.get("kind") == CONSULT_NOTE]
    if not notes:
        return None
    return str(notes[-1].get("text") or "") or None


def _build(
    session: Session, referral: Referral, practice: ReferringPractice, kind: str
) -> OutboundMessage:
    note = _note(referral, kind)
    fields: dict[str, Any] = {
        "referral_id": referral.id,
        "practice_id": practice.id,
        "protocol": practice.protocol,
        "kind": kind,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now(),
    }
    if practice.protocol in HL7_PROTOCOLS:
        built = hl7.build_message(session, referral, practice, kind, note)
        return OutboundMessage(
            **fields,
            message_type=built.message_type,
            control_id=built.control_id,
            payload=built.text,
        )
    if practice.protocol == FHIR:
        appointment = (
            session.get(Appointment, referral.appointment_id) if referral.appointment_id else None
        )
        payload = fhir_task.build_task(referral, kind, appointment, note)
        return OutboundMessage(
            **fields, message_type="Task", control_id=referral.id, payload=payload
        )
    facts = {"kind": kind, "label": lifecycle.label(kind), "at": now().isoformat(), "note": note}
    return OutboundMessage(
        **fields, message_type=LETTER, control_id=new_id()[:20], payload=json.dumps(facts)
    )


def _after_latest(session: Session, referral_id: str) -> datetime:
    # The sender keeps a referral's messages in created_at order. Two moves in one
    # transaction (visit kept, then closed) or under a frozen clock would tie; nudge
    # the later one a microsecond past the last.
    instant = now()
    latest = session.scalar(
        select(func.max(OutboundMessage.created_at)).where(
            OutboundMessage.referral_id == referral_id
        )
    )
    if latest is not None and instant <= latest:
        return latest + timedelta(microseconds=1)
    return instant


def _note(referral: Referral, kind: str) -> str | None:
    if kind == lifecycle.CLOSED:
        return consult_note(referral)
    if kind in (lifecycle.REJECTED, lifecycle.CANCELLED) and referral.history:
        return referral.history[-1].reason
    return None
