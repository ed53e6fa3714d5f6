"""Twilio's call webhooks, transport aside: answer, forward, transfer result, status.

- An incoming call goes to staff while they take calls (coverage `after_hours` in
  office hours); a forward nobody answers comes back to the agent. Every other call
  is answered by the agent on the transport the practice chose (policy
  `voice_transport`), or the one the number's webhook URL names (`?transport=`).
- The <Dial> action reports how a transfer ended; the status callback ends the
  conversation when the call is over (completed, busy, no-answer, failed, canceled),
  which queues its analysis.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.channels.twilio_signature import Fields, first
from referraldesk.clock import now
from referraldesk.conversation import runtime
from referraldesk.errors import InvalidArgument
from referraldesk.logging import get_logger
from referraldesk.models import Conversation
from referraldesk.practice.policy import current_policy
from referraldesk.voice import calls, gather, hours, relay, twiml, urls
from referraldesk.voice.calls import VoiceTurn
from referraldesk.voice.handoff import CONNECTED, dial_finished, whisper_words
from referraldesk.voice.hints import listening_for
from referraldesk.voice.phrases import FORWARD_WHISPER, line

log = get_logger(__name__)

TRANSPORTS = ("turn", "streaming")
# Twilio's final CallStatus values: https://www.twilio.com/docs/voice/api/call-resource
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def incoming(session: Session, fields: Fields, transport: str | None = None) -> str:
    """POST /twilio/voice: staff take it, or the agent answers with its greeting."""
    call_sid = _call_sid(fields)
    answered = calls.find_call(session, call_sid) is not None
    if not answered and hours.staff_take_calls_now(session, now()):
        log.info("call_forwarded_to_staff")
        return twiml.dial(
            None,
            "en",
            number=hours.staff_line(session) or "",
            whisper=urls.public(urls.WHISPER),
            action=urls.public(urls.FORWARD_DONE, transport=transport),
        )
    played = calls.open_call(session, call_sid=call_sid, caller_phone=first(fields, "From"))
    return connect(session, played, transport)


def forward_finished(session: Session, fields: Fields, transport: str | None = None) -> str:
    """The staff line took the forwarded call, or the agent answers it after all."""
    if first(fields, "DialCallStatus") in CONNECTED:
        return twiml.say_and_hang_up("", "en")
    played = calls.open_call(
        session, call_sid=_call_sid(fields), caller_phone=first(fields, "From")
    )
    return connect(session, played, transport)


def connect(session: Session, played: VoiceTurn, transport: str | None = None) -> str:
    """Start the conversation on its transport with the agent's first turn.

    On ConversationRelay the greeting is the welcome greeting; its aside in the other
    language follows as the relay's first message (`relay.greeting_aside`).
    """
    if _transport(session, transport) == "streaming":
        conversation = session.get(Conversation, played.conversation_id)
        call_sid = conversation.external_id if conversation is not None else None
        listening = listening_for(played.turn.awaiting, played.language, first_answer=played.first)
        return twiml.relay(
            played.spoken,
            played.language,
            url=urls.relay(call_sid or ""),
            action=urls.public(urls.RELAY_DONE),
            hints=listening.speech_hints,
        )
    return gather.play(played)


def transfer_finished(session: Session, fields: Fields, task_id: str | None) -> str:
    """POST /twilio/voice/transfer: the <Dial> to staff ended with DialCallStatus."""
    conversation = calls.find_call(session, first(fields, "CallSid"))
    handoff = dial_finished(session, conversation, task_id, first(fields, "DialCallStatus"))
    return gather.respond_with(handoff)


def whisper(session: Session, task_id: str | None) -> str:
    """POST /twilio/voice/whisper: what staff hear before the caller is put through."""
    return twiml.whisper(whisper_words(session, task_id) if task_id else FORWARD_WHISPER)


def relay_finished(session: Session, fields: Fields) -> str:
    """POST /twilio/voice/relay/done: the ConversationRelay session ended."""
    conversation = calls.find_call(session, first(fields, "CallSid"))
    if conversation is None:
        return twiml.say_and_hang_up("", "en")
    # Its HandoffData names the last turn, which the answer reads out again.
    calls.refuse_replay_after_the_call(conversation)
    handoff = relay.handoff_from(session, conversation, first(fields, "HandoffData"))
    if handoff is None:
        # No handoff: the session failed under a caller who may still be listening.
        log.warning("relay_ended_without_handoff", conversation_id=conversation.id)
        return twiml.say_and_hang_up(line("trouble", conversation.language), conversation.language)
    return gather.respond_with(handoff)


def status_changed(session: Session, fields: Fields) -> None:
    """POST /twilio/voice/status: a call that is over ends its conversation (idempotent)."""
    status = first(fields, "CallStatus")
    conversation = calls.find_call(session, first(fields, "CallSid"))
    if conversation is None:
        # A call we placed that nobody answered, or one staff took: no conversation.
        log.info("call_status_without_conversation", call_status=status)
        return
    if status not in FINAL_STATUSES:
        return
    runtime.end_conversation(session, conversation.id, reason=f"call_{status.replace('-', '_')}")


def _transport(session: Session, requested: str | None) -> str:
    if requested is not None and requested not in TRANSPORTS:
        raise InvalidArgument(
            f"transport={requested!r} is not one of {', '.join(TRANSPORTS)}; "
            "fix the voice webhook URL configured at Twilio",
            field="transport",
        )
    if requested is not None:
        return requested
    return "streaming" if current_policy(session).voice_transport == "streaming" else "turn"


def _call_sid(fields: Fields) -> str:
    call_sid = first(fields, "CallSid")
    if not call_sid:
        raise InvalidArgument("the webhook has no CallSid", field="CallSid")
    return call_sid
