"""The consult note: attaching it closes the loop and sends it to the referrer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import IllegalTransition, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.loop.outbox import CONSULT_NOTE
from referraldesk.models import OutboundMessage, Referral
from referraldesk.referrals.lifecycle import CLOSED, VISIT_KEPT
from referraldesk.referrals.transitions import transition

log = get_logger(__name__)

MAX_NOTE_CHARS = 50_000


def attach_consult_note(
    session: Session, actor: Actor, referral_id: str, text: str, *, author: str | None = None
) -> Referral:
    """Attach the specialist's consult note and close the referral (visit_kept -> closed).

    The move queues the note to the referring practice in its own protocol.
    """
    note = text.strip()
    if not note or len(note) > MAX_NOTE_CHARS:
        raise InvalidArgument(
            f"the consult note has {len(note)} characters; send between 1 and {MAX_NOTE_CHARS}",
            field="text",
        )
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral with id {referral_id!r}", field="referral_id")
    if referral.status != VISIT_KEPT:
        raise IllegalTransition(
            f"referral {referral_id!r} is {referral.status}; a consult note closes only a referral "
            "whose visit was kept (record the visit first: POST /api/referrals/{id}/visit)",
            field="status",
        )
    attachment = {"kind": CONSULT_NOTE, "text": note, "author": author, "at": now().isoformat()}
    # A new list: SQLAlchemy does not see changes made inside a JSON value.
    referral.attachments = [*(referral.attachments or []), attachment]
    session.flush()
    # Closed now: the visit and its note are done. Whether the referrer has it yet is
    # the outbox's to show (a failed delivery waits there for staff).
    transition(
        session, actor, referral, CLOSED, reason="consult note attached and queued to the referrer"
    )
    trail.record(
        session, actor, "create", "consult_note", referral.id, patient_id=referral.patient_id
    )
    return referral


def mark_letter_sent(session: Session, actor: Actor, message_id: str) -> OutboundMessage:
    """Record that staff faxed (or mailed) a status letter waiting in the outbox."""
    message = session.get(OutboundMessage, message_id)
    if message is None or message.message_type != "letter":
        raise NotFound(f"no status letter with id {message_id!r} in the outbox", field="message_id")
    if message.status == "pending":
        message.status, message.sent_at, message.attempts = "sent", now(), message.attempts + 1
        session.flush()
        log.info(
            "letter_marked_sent", outbound_message_id=message.id, referral_id=message.referral_id
        )
    trail.record(
        session, actor, "update", "outbound_message", message.id, reason="status letter sent"
    )
    return message
