"""The intake queue over HTTP, for coordinators: list messages, read one, replay it.

`POST /api/intake/{id}/replay` takes `{"body": "..."}` (optional) to run a failed
HL7, FHIR or CSV message again, as it was or corrected; for a PDF it takes
`{"fields": {...}}` (optional), the corrections to the fields read from the file,
and confirms it: that is when the PDF's referral is made.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.intake import queue
from referraldesk.intake.pdf import review
from referraldesk.intake.pdf.views import message_view, outcome_view

router = APIRouter(prefix="/api/intake", tags=["intake"])

Coordinator = Annotated[Actor, Depends(require_roles(*access.COORDINATION))]


@router.get("")
def list_intake(
    actor: Coordinator, session: DbSession,
    status: str | None = None, channel: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**53)] = 0,
) -> JSONResponse:
    """Intake messages newest first; `status` needs_review or failed gives the work to do."""
    messages = queue.list_messages(session, status=status, channel=channel, limit=limit,
                                   offset=offset)
    trail.record(session, actor, "read", "intake_message", None,
                 reason=f"intake list status={status} channel={channel}")
    return JSONResponse({"messages": [message_view(message) for message in messages]})


@router.get("/{message_id}")
def one(message_id: str, actor: Coordinator, session: DbSession) -> JSONResponse:
    message = queue.get_message(session, message_id)
    trail.record(session, actor, "read", "intake_message", message.id, reason="intake message")
    return JSONResponse(message_view(message, with_body=True))


@router.post("/{message_id}/replay")
def replay(
    message_id: str, actor: Coordinator, session: DbSession,
    payload: Annotated[dict[str, Any] | None, Body()] = None,
) -> JSONResponse:
    """Replay a failed message (optionally corrected), or confirm a PDF's fields."""
    payload = payload or {}
    unknown = sorted(set(payload) - {"body", "fields"})
    if unknown:
        raise InvalidArgument(f"unknown key(s) {', '.join(unknown)}; send 'body' (a corrected "
                              "message) or 'fields' (a PDF's corrected fields)", field=unknown[0])
    message = queue.get_message(session, message_id)
    if message.channel == "pdf":
        if "body" in payload:
            raise InvalidArgument("a PDF is kept as it arrived; send corrected 'fields', not "
                                  "a 'body'", field="body")
        fields = payload.get("fields")
        if fields is not None and not isinstance(fields, dict):
            raise InvalidArgument("'fields' must be an object of field name to text",
                                  field="fields")
        return JSONResponse(outcome_view(review.confirm(session, actor, message_id, fields)))
    if "fields" in payload:
        raise InvalidArgument(f"intake message {message_id} came by {message.channel}; send a "
                              "corrected 'body', not 'fields'", field="fields")
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        raise InvalidArgument("'body' must be the corrected message as text", field="body")
    return JSONResponse(outcome_view(queue.replay(session, actor, message_id, body)))
