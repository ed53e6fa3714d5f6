"""A phone call as a conversation: both transports (Gather and ConversationRelay) come here.

The call's state is the conversation row whose `external_id` is Twilio's CallSid, so
any instance can serve any webhook. A caller answer is keyed by the CallSid and the
sequence number of the agent turn it answers ("CA...:3"): Twilio retrying a webhook,
or a relay reconnecting, gets the stored answer and plays nothing twice.

What the phone says is the engine's reply plus the phone's own words around it: the
recording notice and the language keys at the greeting, the read-back of a keyed or
spoken date of birth or phone number, and which keys work for the next answer. The
greeting's words for the other language (the engine's "(Si prefiere español,
dígamelo.)" and the phone's "Para español, oprima el 2.") are kept apart as an aside,
so each transport has them said by that language's own voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.conversation import runtime, store
from referraldesk.conversation.turn import Action, AgentTurn
from referraldesk.errors import Forbidden, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, Practice, Turn
from referraldesk.patients.phones import normalize_phone
from referraldesk.practice.policy import current_policy
from referraldesk.rights.disclosure import record_disclosure
from referraldesk.voice import keys
from referraldesk.voice.hints import key_hint
from referraldesk.voice.phrases import line
from referraldesk.voice.readback import readback
from referraldesk.voice.twiml import Aside

log = get_logger(__name__)

CHANNEL = "voice"
# How long after a call ends its answer webhooks are still taken as Twilio's retries.
REPLAY_GRACE = timedelta(minutes=1)
ENDING_ACTIONS = frozenset({"end", "transfer", "emergency"})
# The engine's greeting ends with a note in the other language, in parentheses.
_OTHER_LANGUAGE_NOTE = re.compile(r"\s*\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class Said:
    """One caller answer as Twilio reported it; neither speech nor keys is silence."""

    speech: str = ""
    digits: str = ""
    confidence: float | None = None
    # The language ("en" | "es") the recognizer transcribed `speech` in, where it says.
    language: str | None = None

    @property
    def silent(self) -> bool:
        return not self.speech.strip() and not self.digits.strip()


@dataclass(frozen=True)
class VoiceTurn:
    """An agent turn as the phone plays it: `seq` keys the caller's next answer."""

    conversation_id: str
    turn: AgentTurn
    spoken: str
    seq: int
    first: bool = False  # the greeting: keys 1/2 pick the language
    # Said after `spoken`, in the other language (the greeting's language key).
    offer: Aside | None = None

    @property
    def language(self) -> str:
        return self.turn.language

    @property
    def ends_call(self) -> bool:
        return any(action.type in ENDING_ACTIONS for action in self.turn.actions)

    def action(self, kind: str) -> Action | None:
        return next((action for action in self.turn.actions if action.type == kind), None)


def find_call(session: Session, call_sid: str) -> Conversation | None:
    """The conversation of this call, if it was answered by the agent."""
    if not call_sid:
        return None
    return session.scalars(
        select(Conversation)
        .where(Conversation.channel == CHANNEL, Conversation.external_id == call_sid)
        .limit(1)
    ).first()


def require_call(session: Session, call_sid: str) -> Conversation:
    conversation = find_call(session, call_sid)
    if conversation is None:
        raise NotFound(
            f"no call with CallSid {call_sid!r} was answered here; Twilio must call "
            "POST /twilio/voice first",
            field="CallSid",
        )
    return conversation


def live_call(session: Session, call_sid: str) -> Conversation:
    """The call an answer webhook is for, refused once that call is well over."""
    conversation = require_call(session, call_sid)
    refuse_replay_after_the_call(conversation)
    return conversation


def refuse_replay_after_the_call(conversation: Conversation) -> None:
    """Refuse a call webhook that arrives once its call has been over for a while.

    During a call a repeated webhook is Twilio retrying and gets the stored answer
    (nothing plays twice). Twilio gives up on a webhook after 15 seconds, so one that
    comes a minute after the call ended is a replay of a captured request, and the
    stored answer may hold what the verified caller was told.
    """
    ended = conversation.ended_at
    if conversation.status == "ended" and ended is not None and now() - ended > REPLAY_GRACE:
        log.warning("call_webhook_replayed", conversation_id=conversation.id)
        raise Forbidden(
            "this call is over; a webhook for it is a replay and is refused", field="CallSid"
        )


def open_call(
    session: Session,
    *,
    call_sid: str,
    caller_phone: str | None,
    direction: str = "inbound",
    language: str | None = None,
    referral_id: str | None = None,
) -> VoiceTurn:
    """Answer a call with the agent's greeting; a repeated webhook gets the same greeting."""
    existing = find_call(session, call_sid)
    if existing is not None:
        refuse_replay_after_the_call(existing)
        return greeting(session, existing)
    conversation, _ = runtime.start_conversation(
        session,
        CHANNEL,
        language=language,
        caller_phone=_usable_phone(caller_phone),
        direction=direction,
        external_id=call_sid,
        referral_id=referral_id,
    )
    # California needs every party's consent; the notice is the first thing said.
    conversation.recording_disclosed = current_policy(session).record_calls
    if conversation.recording_disclosed:
        record_disclosure(session, conversation.id, channel=CHANNEL, language=conversation.language)
    session.flush()
    return greeting(session, conversation)


def greeting(session: Session, conversation: Conversation) -> VoiceTurn:
    """The first agent turn as spoken: recording notice, greeting, language keys."""
    row = _first_agent_turn(session, conversation.id)
    turn = store.as_agent_turn(row)
    inbound = conversation.direction == "inbound"
    offer = _language_offer(session, turn.language) if inbound else None
    reply = turn.reply
    note = _OTHER_LANGUAGE_NOTE.search(reply) if offer is not None else None
    if offer is not None and note is not None:
        reply = reply[: note.start()]
        offer = Aside(f"{note.group(1).strip()} {offer.text}", offer.language)
    parts = [reply]
    if conversation.recording_disclosed:
        parts.insert(0, line("recording", turn.language))
    return VoiceTurn(conversation.id, turn, " ".join(parts), row.seq, first=inbound, offer=offer)


def current(session: Session, conversation_id: str) -> VoiceTurn:
    """The last agent turn as spoken (for a reprompt), without a read-back."""
    row = store.last_agent_turn(session, conversation_id)
    if row is None:
        raise NotFound(f"conversation {conversation_id!r} has no agent turn yet")
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None and row.seq == _first_agent_turn(session, conversation_id).seq:
        return greeting(session, conversation)
    turn = store.as_agent_turn(row)
    return VoiceTurn(conversation_id, turn, _with_key_hint(turn.reply, turn), row.seq)


def answer(
    session: Session, conversation: Conversation, said: Said, *, answering: int
) -> VoiceTurn:
    """Play the caller's answer to agent turn `answering`; returns what to say next."""
    previous = current(session, conversation.id)
    text = _within_message_limit(_caller_text(said, previous), conversation.id)
    turn = runtime.handle_message(
        session,
        conversation.id,
        text,
        external_id=f"{conversation.external_id}:{answering}",
        confidence=said.confidence,
        language_hint=said.language if said.speech.strip() else None,
    )
    row = store.last_agent_turn(session, conversation.id)
    seq = row.seq if row is not None else answering
    echo = readback(
        text,
        awaiting=previous.turn.awaiting,
        reply=turn.reply,
        language=turn.language,
        at=_local_now(session),
    )
    said_back = turn.reply
    # A replayed webhook gets the stored turn, whose words already start with the echo.
    if echo and row is not None and not turn.reply.startswith(echo):
        said_back = _store_read_back(session, row, echo)
    return VoiceTurn(conversation.id, turn, _with_key_hint(said_back, turn), seq)


def _store_read_back(session: Session, row: Turn, echo: str) -> str:
    """Keep the read-back in the transcript as the agent's words: it was said to the caller."""
    row.text = f"{echo} {row.text}"
    session.flush()
    return row.text


def _caller_text(said: Said, previous: VoiceTurn) -> str:
    language = previous.language
    if said.digits.strip():
        return keys.keyed_text(
            said.digits,
            awaiting=previous.turn.awaiting,
            language=language,
            first_answer=previous.first,
        )
    if previous.first:
        return keys.language_pick(said.speech, language)
    return said.speech


def _within_message_limit(text: str, conversation_id: str) -> str:
    """The caller's words cut to what the engine takes, keeping the start.

    A caller telling the whole story without a pause (or a television in the room)
    is transcribed as one long answer; refusing it would drop the call, the one
    failure a caller cannot recover from. The start is where the answer usually is.
    """
    if len(text) <= runtime.MAX_MESSAGE_CHARS:
        return text
    cut = text[: runtime.MAX_MESSAGE_CHARS]
    # End on a whole word when there is one in the second half.
    space = cut.rfind(" ")
    if space > runtime.MAX_MESSAGE_CHARS // 2:
        cut = cut[:space]
    # No turn column says "shortened": the log keeps the lengths, never the words.
    log.info("caller_speech_shortened", conversation_id=conversation_id,
             heard_chars=len(text), kept_chars=len(cut))
    return cut


def _with_key_hint(reply: str, turn: AgentTurn) -> str:
    if any(action.type in ENDING_ACTIONS for action in turn.actions):
        return reply
    hint = key_hint(turn.awaiting)
    return f"{reply} {line(hint, turn.language)}" if hint else reply


def _language_offer(session: Session, language: str) -> Aside | None:
    """The key for the other language, in that language, if the practice speaks it."""
    other = "en" if language == "es" else "es"
    spoken = session.scalar(select(Practice.languages).limit(1)) or ["en", "es"]
    if other not in spoken:
        return None
    return Aside(line("language_keys", language), other)


def _first_agent_turn(session: Session, conversation_id: str) -> Turn:
    row = session.scalars(
        select(Turn)
        .where(Turn.conversation_id == conversation_id, Turn.speaker == "agent")
        .order_by(Turn.seq)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"conversation {conversation_id!r} has no greeting")
    return row


def _local_now(session: Session) -> datetime:
    zone = session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles"
    return now().astimezone(ZoneInfo(zone))


def _usable_phone(phone: str | None) -> str | None:
    # Withheld caller ids arrive as words ("Anonymous", "+266696687"): keep no number then.
    if not phone:
        return None
    try:
        return normalize_phone(phone)
    except InvalidArgument:
        log.info("caller_id_unusable")
        return None
