"""`POST /twilio/sms`: a text message in, the agent's reply out as TwiML.

A conversation by text stays open across messages for a day per number; Twilio's
MessageSid is the turn's external id, so a webhook Twilio retries is answered from
the stored turn and plays nothing twice.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from referraldesk.api.overload import run_admitted
from referraldesk.channels import sms
from referraldesk.channels.text import as_text
from referraldesk.conversation import runtime, store
from referraldesk.conversation.turn import AgentTurn
from referraldesk.db.sqlite_gate import DatabaseBusy
from referraldesk.errors import HTTP_STATUS, DomainError, InvalidArgument, retry_after_headers
from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

router = APIRouter(tags=["twilio"])
log = get_logger(__name__)

CHANNEL = "sms"
_FIX = {
    "no_auth_token": "set REFERRALDESK_TWILIO_AUTH_TOKEN to the Twilio account's auth token",
    "forwarded_host_mismatch": "the proxy's forwarded host must match REFERRALDESK_PUBLIC_URL",
    "bad_signature": "REFERRALDESK_PUBLIC_URL must be the URL Twilio calls "
    "(scheme, host, any path prefix)",
}


@router.post("/twilio/sms")
async def incoming_sms(request: Request) -> Response:
    """Twilio's incoming-message webhook (form-encoded, signed)."""
    body = await request.body()
    settings = get_settings()
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    verdict = sms.verify(
        auth_token=token,
        public_url=settings.public_url,
        path=request.url.path,
        query=request.scope.get("query_string", b"").decode("latin-1"),
        content_type=request.headers.get("content-type", ""),
        body=body,
        headers=request.headers,
    )
    if not verdict.ok:
        log.warning(
            "twilio_webhook_refused",
            path=request.url.path,
            reason=verdict.reason,
            fix=_FIX.get(verdict.reason),
        )
        return _refusal(403)

    fields = dict(sms.parse_form(body) or [])
    try:
        # Under the API's database limit; a busy process answers 503 with Retry-After.
        messages = await run_admitted(request, _reply, request, fields)
    except DomainError as exc:
        log.info("sms_webhook_refused", code=exc.code, message_sid=fields.get("MessageSid"))
        return _refusal(HTTP_STATUS.get(exc.code, 400), exc)
    return Response(sms.twiml(messages), media_type="application/xml")


def _refusal(status: int, exc: DomainError | None = None) -> Response:
    # Twilio reads TwiML only: an empty <Response/> sends the texter nothing, and the
    # status shows the refusal in Twilio's debugger. Never the API's JSON.
    headers = retry_after_headers(status, exc)
    if isinstance(exc, DatabaseBusy):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return Response(sms.twiml([]), status_code=status, media_type="application/xml",
                    headers=headers)


def _reply(request: Request, fields: dict[str, str]) -> list[str]:
    session: Session = request.app.state.session_factory()
    try:
        messages = _play(session, fields)
        session.commit()
        return messages
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _play(session: Session, fields: dict[str, str]) -> list[str]:
    sender, text, sid = fields.get("From", ""), fields.get("Body", ""), fields.get("MessageSid")
    if not sender:
        raise InvalidArgument("the webhook has no From number", field="From")
    if not text.strip():
        log.info("sms_without_text", message_sid=sid)
        return []

    earlier = store.conversation_of_message(session, CHANNEL, sid) if sid else None
    if earlier is not None:
        return [as_text(runtime.handle_message(session, earlier, text, external_id=sid))]

    conversation, greeting = runtime.continue_text_thread(session, CHANNEL, sender)
    turn = runtime.handle_message(session, conversation.id, text, external_id=sid)
    # The greeting of a new thread goes first, except before a carrier keyword: a STOP
    # gets its confirmation only.
    opening = None if greeting is None or sms.is_carrier_keyword(text) else as_text(greeting)
    main = "\n\n".join(part for part in (opening, as_text(turn)) if part)
    return [main, *_texts_for_caller(turn, conversation.caller_phone)]


def _texts_for_caller(turn: AgentTurn, caller_phone: str | None) -> list[str]:
    # A confirmation the agent wants texted to the number already in this thread goes
    # out in the same reply; any other number needs the outbound client.
    return [
        action.body
        for action in turn.actions
        if action.type == "send_sms" and action.body and action.to == caller_phone
    ]
