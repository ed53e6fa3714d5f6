"""Closing the loop over HTTP: the visit kept or missed, the consult note, the letters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy import select

from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.loop.consult import attach_consult_note, mark_letter_sent
from referraldesk.loop.letters import status_letter_pdf
from referraldesk.loop.visits import record_visit
from referraldesk.models import OutboundMessage
from referraldesk.referrals.service import get_referral, referral_summary

router = APIRouter(tags=["referrals"])

Coordinator = Annotated[Actor, Depends(require_roles("coordinator"))]
OUTBOX_STATUSES = ("pending", "sent", "acked", "failed")


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Strict: "no", 0 or "false" as a string could be a slip; a visit's record takes
    # JSON true or false only.
    kept: StrictBool


class ConsultNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=50_000)
    author: str | None = Field(default=None, max_length=200)


@router.post("/api/referrals/{referral_id}/visit")
def post_visit(
    referral_id: str, body: VisitIn, session: DbSession, actor: Coordinator
) -> dict[str, Any]:
    """Record whether the patient came to the booked visit."""
    return referral_summary(record_visit(session, actor, referral_id, body.kept))


@router.post("/api/referrals/{referral_id}/consult-note")
def post_consult_note(
    referral_id: str, body: ConsultNoteIn, session: DbSession, actor: Coordinator
) -> dict[str, Any]:
    """Attach the consult note: the referral closes and the note goes to the referrer."""
    referral = attach_consult_note(session, actor, referral_id, body.text, author=body.author)
    return referral_summary(referral)


@router.get("/api/referrals/{referral_id}/status-letter.pdf")
def get_status_letter(referral_id: str, session: DbSession, actor: Coordinator) -> Response:
    """The printable status letter for a referrer that takes fax."""
    referral = get_referral(session, referral_id)
    trail.record(
        session,
        actor,
        "export",
        "referral",
        referral.id,
        patient_id=referral.patient_id,
        reason="status letter",
    )
    return Response(status_letter_pdf(session, referral), media_type="application/pdf")


@router.get("/api/outbox")
def get_outbox(
    session: DbSession, actor: Coordinator, status: str | None = None
) -> list[dict[str, Any]]:
    """Messages to referrers, newest first; `status` pending | sent | acked | failed."""
    query = select(OutboundMessage).order_by(OutboundMessage.created_at.desc()).limit(500)
    if status is not None:
        if status not in OUTBOX_STATUSES:
            raise InvalidArgument(
                f"status {status!r} is not one of {', '.join(OUTBOX_STATUSES)}", field="status"
            )
        query = query.where(OutboundMessage.status == status)
    messages = list(session.scalars(query))
    trail.record(
        session, actor, "read", "outbound_message", None, reason=f"outbox ({len(messages)})"
    )
    return [_outbox_view(message) for message in messages]


@router.post("/api/outbox/{message_id}/sent")
def post_letter_sent(message_id: str, session: DbSession, actor: Coordinator) -> dict[str, Any]:
    """Record that a status letter waiting in the outbox was faxed."""
    return _outbox_view(mark_letter_sent(session, actor, message_id))


def _outbox_view(message: OutboundMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "referral_id": message.referral_id,
        "practice_id": message.practice_id,
        "protocol": message.protocol,
        "kind": message.kind,
        "message_type": message.message_type,
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
        "last_error": message.last_error,
        "created_at": message.created_at.isoformat(),
    }
