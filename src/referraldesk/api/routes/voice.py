"""Twilio's phone webhooks and the ConversationRelay WebSocket; all of them signed.

Every route checks X-Twilio-Signature before anything else (403 otherwise, logged
without the body) and answers TwiML; the WebSocket handshake is checked the same way,
and its URL's per-call token too (`voice.relay_token`), and refused before it is
accepted. Query parameters carry opaque ids and counters
only. The work is in `referraldesk.voice`; each request owns its transaction.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Response, WebSocket, WebSocketDisconnect

from referraldesk.api.deps import DbSession
from referraldesk.api.overload import run_admitted
from referraldesk.channels.twilio_signature import Fields, handshake_is_signed, signed_form
from referraldesk.errors import DomainError
from referraldesk.logging import get_logger
from referraldesk.voice import answering, gather, outbound, recording, urls
from referraldesk.voice.relay import RelayCall
from referraldesk.voice.relay_token import token_matches

router = APIRouter(tags=["twilio"])
log = get_logger(__name__)

SignedForm = Annotated[Fields, Depends(signed_form)]
XML = "application/xml"
# WebSocket close code 1008 (policy violation): before accept it becomes an HTTP 403.
POLICY_VIOLATION = 1008


def _twiml(body: str) -> Response:
    return Response(body, media_type=XML)


@router.post(urls.VOICE)
def incoming_call(form: SignedForm, session: DbSession, transport: str | None = None) -> Response:
    """A call to the practice's number: staff or the agent answers."""
    return _twiml(answering.incoming(session, form, transport))


@router.post(urls.TURN)
def caller_turn(form: SignedForm, session: DbSession, n: str, q: str | None = None) -> Response:
    """The Gather's result: the caller's words, keys, or silence."""
    return _twiml(gather.on_answer(session, form, n, q))


@router.post(urls.STATUS)
def call_status(form: SignedForm, session: DbSession) -> Response:
    """Call progress; a finished call ends its conversation."""
    answering.status_changed(session, form)
    return Response(status_code=204)


@router.post(urls.RECORDING)
def recording_status(form: SignedForm, session: DbSession) -> Response:
    """A call's recording is ready (or could not be made): keep its ids."""
    recording.status_changed(session, form)
    return Response(status_code=204)


@router.post(urls.TRANSFER_DONE)
def transfer_done(form: SignedForm, session: DbSession, task: str | None = None) -> Response:
    """The <Dial> to staff ended: connected, busy, not answered or failed."""
    return _twiml(answering.transfer_finished(session, form, task))


@router.post(urls.WHISPER)
def whisper(form: SignedForm, session: DbSession, task: str | None = None) -> Response:
    """Played to staff before the caller is connected."""
    return _twiml(answering.whisper(session, task))


@router.post(urls.FORWARD_DONE)
def forward_done(form: SignedForm, session: DbSession, transport: str | None = None) -> Response:
    """A call forwarded to staff ended; unanswered, the agent takes it."""
    return _twiml(answering.forward_finished(session, form, transport))


@router.post(urls.RELAY_DONE)
def relay_done(form: SignedForm, session: DbSession) -> Response:
    """The ConversationRelay session ended: last words, then hang up or ring staff."""
    return _twiml(answering.relay_finished(session, form))


@router.post(urls.OUTBOUND)
def outbound_answered(
    form: SignedForm,
    session: DbSession,
    referral: str | None = None,
    task: str | None = None,
    transport: str | None = None,
) -> Response:
    """A call we placed was answered: voicemail for a machine, the agent for a person."""
    return _twiml(
        outbound.answered(session, form, referral_id=referral, task_id=task, transport=transport)
    )


@router.websocket(urls.RELAY)
async def relay_socket(websocket: WebSocket, call: str = "", token: str = "") -> None:
    """ConversationRelay for call `call`: Twilio's messages in, the agent's words out."""
    if not handshake_is_signed(websocket):
        await websocket.close(code=POLICY_VIOLATION)
        return
    if not token_matches(call, token):
        log.warning("relay_token_refused", path=websocket.url.path)
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    relay = RelayCall(websocket.app.state.session_factory, call_sid=call)
    try:
        while True:
            outgoing = await _next(websocket, relay)
            for message in outgoing:
                await websocket.send_json(message)
    except WebSocketDisconnect:
        log.info("relay_closed", conversation_id=relay.conversation_id)


async def _next(websocket: WebSocket, call: RelayCall) -> list[dict[str, object]]:
    """The messages answering Twilio's next one (or the caller's silence).

    A refused message is logged and answered with nothing, and the call goes on (the
    caller hears the next reprompt): an exception here would close the socket and
    drop the call.
    """
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), timeout=call.silence_seconds)
    except TimeoutError:
        raw = None
    try:
        if raw is None:
            return await run_admitted(websocket, call.on_silence)
        return await run_admitted(websocket, call.handle_text, raw)
    except DomainError as exc:
        log.warning("relay_message_refused", conversation_id=call.conversation_id,
                    code=exc.code, field=exc.field)
        return []
