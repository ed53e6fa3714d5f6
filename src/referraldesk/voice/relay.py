"""The streaming transport: Twilio ConversationRelay's WebSocket protocol.

Twilio speaks and transcribes; we exchange JSON messages with it
(https://www.twilio.com/docs/voice/conversationrelay/websocket-messages):

- in: `setup` (callSid ...), `prompt` (voicePrompt, lang, last), `dtmf` (digit),
  `interrupt` (utteranceUntilInterrupt), `error` (description);
- out: `text` (token, last, lang), `language` (ttsLanguage, transcriptionLanguage),
  `end` (handoffData).

The socket serves the one call its URL names (`relay_token`): a setup for another
CallSid is ended. The greeting is the ConversationRelay welcomeGreeting; its key for
the other language ("Para español, oprima el 2.") is the first `text` message, with
that language's `lang`, so Twilio says it with that language's voice. Transcription
and speech follow the conversation's language: when a reply is in another language
than the one Twilio is working in (as our `language` messages set it, and as the
`lang` of each prompt reports it), a `language` message switches both first. That
`lang` also goes to the engine as the language hint of the caller's words.
Keys arrive one at a time; a date of birth (8) or a phone
number (10) is collected until complete or #, on the conversation row (not in this
connection), so a call that moves to another instance keeps its keys. A reply cut
off by the caller is marked interrupted with what was heard of it. An ending turn
ends the session with `handoffData` naming only ids and counters; the Connect action
(`relay_done`) then says the last words and hangs up or rings staff, so no farewell
is cut short.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.conversation import store
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, Turn
from referraldesk.voice import calls, hours, recording, silence
from referraldesk.voice.calls import Said, VoiceTurn
from referraldesk.voice.handoff import Handoff, after_turn
from referraldesk.voice.hints import listening_for
from referraldesk.voice.twiml import Aside, voice_for

log = get_logger(__name__)

Message = dict[str, Any]
T = TypeVar("T")

# Quiet seconds after the agent has finished speaking that count as silence; the
# agent's own speech is estimated at WORDS_PER_SECOND.
SILENCE_SECONDS = 8.0
WORDS_PER_SECOND = 2.5
# The column's width; a caller leaning on the keypad gets an answer, not an overflow.
MAX_PENDING_KEYS = 32


class RelayCall:
    """One ConversationRelay session: each message in, the messages to send back out.

    Every message is its own unit of work: `sessions()` opens a database session, the
    message's changes are committed before the answer goes out. `call_sid` is the call
    the socket's URL was made for (None: any, for callers that checked nothing).
    """

    def __init__(self, sessions: Callable[[], Session], call_sid: str | None = None) -> None:
        self.sessions = sessions
        self.call_sid = call_sid
        self.conversation_id: str | None = None
        # The language Twilio speaks and transcribes in now ("en" | "es").
        self.language = "en"
        self.quiet = 0
        self.ended = False
        self.last_words = 0

    @property
    def silence_seconds(self) -> float:
        """How long to wait for the caller before it counts as silence."""
        return SILENCE_SECONDS + self.last_words / WORDS_PER_SECOND

    def handle_text(self, raw: str) -> list[Message]:
        """One WebSocket text frame from Twilio; frames that are not JSON are ignored."""
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("relay_message_unreadable")
            return []
        return self.handle(message) if isinstance(message, dict) else []

    def handle(self, message: Message) -> list[Message]:
        kind = message.get("type")
        if kind == "setup":
            return self._unit(lambda session: self._setup(session, message))
        if self.ended or self.conversation_id is None:
            return []
        if kind == "prompt":
            return self._prompt(message)
        if kind == "dtmf":
            return self._dtmf(message)
        if kind == "interrupt":
            return self._unit(lambda session: self._interrupt(session, message))
        if kind == "error":
            # The description may quote a message we sent (the agent's words): not logged.
            log.warning("relay_error", conversation_id=self.conversation_id)
        return []

    def on_silence(self) -> list[Message]:
        """The caller said nothing for `silence_seconds`: reprompt, offer a person, connect."""
        if self.ended or self.conversation_id is None:
            return []
        self.quiet += 1
        return self._unit(self._silence)

    def _setup(self, session: Session, message: Message) -> list[Message]:
        call_sid = str(message.get("callSid", ""))
        if self.call_sid is not None and call_sid != self.call_sid:
            log.warning("relay_setup_for_another_call")
            self.ended = True
            return [end_message(None)]
        conversation = calls.find_call(session, call_sid)
        if conversation is None or conversation.status != "active":
            log.warning("relay_without_call")
            self.ended = True
            return [end_message(None)]
        self.conversation_id = conversation.id
        self.language = conversation.language
        log.info("relay_connected", conversation_id=conversation.id)
        aside = greeting_aside(session, conversation)
        return [_text(aside.text, aside.language)] if aside is not None else []

    def _prompt(self, message: Message) -> list[Message]:
        heard_in = _language_of(message.get("lang"))
        if heard_in is not None:
            # Twilio says which language it transcribed in; a reply in another one
            # must switch it, whatever we last asked for.
            self.language = heard_in
        text = str(message.get("voicePrompt") or "")
        if message.get("last") is False or not text.strip():
            return []
        return self._answer(Said(speech=text, language=heard_in))

    def _dtmf(self, message: Message) -> list[Message]:
        digit = str(message.get("digit") or "")
        if not digit:
            return []
        return self._unit(lambda session: self._key(session, digit))

    def _key(self, session: Session, digit: str) -> list[Message]:
        conversation = self._conversation(session)
        keys = (conversation.pending_keys or "") + digit
        wanted = self._digits_wanted(session)
        if digit != "#" and len(keys) < wanted and len(keys) < MAX_PENDING_KEYS:
            conversation.pending_keys = keys
            session.flush()
            return []
        if not keys.strip("#"):
            conversation.pending_keys = ""
            session.flush()
            return []
        self.quiet = 0
        return self._play(session, Said(digits=keys))

    def _digits_wanted(self, session: Session) -> int:
        played = calls.current(session, self._conversation_id())
        listening = listening_for(played.turn.awaiting, played.language, first_answer=played.first)
        return listening.num_digits or 1

    def _interrupt(self, session: Session, message: Message) -> list[Message]:
        heard = str(message.get("utteranceUntilInterrupt") or "")
        row = store.mark_interrupted(session, self._conversation_id(), heard)
        log.info("reply_interrupted", conversation_id=self.conversation_id, seq=_seq(row))
        return []

    def _answer(self, said: Said) -> list[Message]:
        self.quiet = 0
        return self._unit(lambda session: self._play(session, said))

    def _play(self, session: Session, said: Said) -> list[Message]:
        conversation = self._conversation(session)
        # Speech after some keys replaces them, as a finished answer does.
        conversation.pending_keys = ""
        # The caller answered, so the recording notice has been heard.
        recording.start_if_disclosed(session, conversation)
        answering = calls.current(session, conversation.id).seq
        played = calls.answer(session, conversation, said, answering=answering)
        handoff = after_turn(session, conversation, played)
        return self._speak(played, handoff)

    def _silence(self, session: Session) -> list[Message]:
        conversation = self._conversation(session)
        step = silence.on_silence(session, conversation, self.quiet)
        if step.handoff is not None:
            return self._speak(step.played, step.handoff)
        return self._say(step.spoken, step.played.language, step.played.offer)

    def _speak(self, played: VoiceTurn, handoff: Handoff | None) -> list[Message]:
        if handoff is not None:
            self.ended = True
            return [end_message(handoff)]
        return self._say(played.spoken, played.language)

    def _say(self, spoken: str, language: str, aside: Aside | None = None) -> list[Message]:
        messages: list[Message] = []
        if language != self.language:
            self.language = language
            code = voice_for(language).code
            messages.append(
                {"type": "language", "ttsLanguage": code, "transcriptionLanguage": code}
            )
        messages.append(_text(spoken, language))
        if aside is not None:
            messages.append(_text(aside.text, aside.language))
        words = spoken + (f" {aside.text}" if aside is not None else "")
        self.last_words = len(words.split())
        return messages

    def _unit(self, work: Callable[[Session], T]) -> T:
        session = self.sessions()
        try:
            result = work(session)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _conversation(self, session: Session) -> Conversation:
        conversation = session.get(Conversation, self._conversation_id())
        assert conversation is not None, "the relay's conversation vanished mid-call"
        return conversation

    def _conversation_id(self) -> str:
        assert self.conversation_id is not None, "a relay message before setup"
        return self.conversation_id


def greeting_aside(session: Session, conversation: Conversation) -> Aside | None:
    """The greeting's aside still to be said when a relay connects: only before the
    caller has answered anything (a relay that reconnects mid-call says nothing)."""
    if store.count_turns(session, conversation.id, "caller") > 0:
        return None
    return calls.greeting(session, conversation).offer


def end_message(handoff: Handoff | None) -> Message:
    """End the session; `handoffData` carries ids and counters only, never words."""
    data = (
        {"kind": "hang_up"}
        if handoff is None
        else {
            "kind": handoff.kind,
            "lang": handoff.language,
            "seq": handoff.seq,
            "closing": handoff.closing,
            "task_id": handoff.task_id,
        }
    )
    return {"type": "end", "handoffData": json.dumps(data)}


def handoff_from(session: Session, conversation: Conversation, raw: str) -> Handoff | None:
    """The handoff a relay session ended with, rebuilt from its `handoffData`.

    None when there is none (the caller hung up, or the session failed).
    """
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return None
    language = _string(data.get("lang")) or conversation.language
    reply = _reply_at(session, conversation.id, data.get("seq")) or ""
    closing, task_id = _string(data.get("closing")), _string(data.get("task_id"))
    number = hours.staff_line(session) if data.get("kind") == "dial" else None
    if number:
        return Handoff("dial", language, reply, closing=closing, number=number, task_id=task_id)
    return Handoff("hang_up", language, reply, closing=closing, task_id=task_id)


def _reply_at(session: Session, conversation_id: str, seq: object) -> str | None:
    if not isinstance(seq, int):
        return None
    return session.scalar(
        select(Turn.text).where(
            Turn.conversation_id == conversation_id, Turn.seq == seq, Turn.speaker == "agent"
        )
    )


def _text(spoken: str, language: str) -> Message:
    """One complete reply: the `lang` has Twilio say it with that language's voice."""
    return {"type": "text", "token": spoken, "last": True, "lang": voice_for(language).code}


def _language_of(code: object) -> str | None:
    """The language (en | es) of a prompt's BCP 47 `lang`: "es-MX", or "es" as Twilio
    reports a language it detected; None for anything else."""
    if not isinstance(code, str) or not code:
        return None
    primary = code.split("-", 1)[0].lower()
    return primary if primary in ("en", "es") else None


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _seq(row: Turn | None) -> int | None:
    return row.seq if row is not None else None
