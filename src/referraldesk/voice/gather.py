"""The turn-based transport: each agent turn is a <Gather>, each answer a webhook.

The Gather's action URL says which agent turn it belongs to (`n`, the turn's sequence
number) and how many silences came in a row (`q`); both are counters, never caller
data. An empty result (silence) still posts the action, so the phone can reprompt.

Twilio's answer does not say which language the speech was transcribed in, but the
Gather listened in the language of the agent turn it played (`twiml.gather`), and that
turn is stored: its language goes to the engine as the answer's language hint.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.channels.twilio_signature import Fields, first
from referraldesk.errors import InvalidArgument
from referraldesk.models import Conversation, Turn
from referraldesk.voice import calls, recording, silence, twiml, urls
from referraldesk.voice.calls import Said, VoiceTurn
from referraldesk.voice.handoff import Handoff, after_turn
from referraldesk.voice.hints import listening_for


def play(played: VoiceTurn, *, quiet: int = 0, spoken: str | None = None) -> str:
    """Say the turn (or `spoken` instead) and listen for the answer to it."""
    listening = listening_for(played.turn.awaiting, played.language, first_answer=played.first)
    action = urls.public(urls.TURN, n=played.seq, q=quiet or None)
    return twiml.gather(
        spoken if spoken is not None else played.spoken,
        played.language,
        action=action,
        listening=listening,
        aside=played.offer,
    )


def on_answer(session: Session, fields: Fields, n: str, q: str | None) -> str:
    """POST /twilio/voice/turn: play the caller's answer (or silence) to agent turn `n`."""
    conversation = calls.live_call(session, first(fields, "CallSid"))
    answering, quiet = _counter(n, "n"), _counter(q or "0", "q")
    said = Said(
        speech=first(fields, "SpeechResult"),
        digits=first(fields, "Digits"),
        confidence=_confidence(first(fields, "Confidence")),
        language=_listened_in(session, conversation, answering),
    )
    if said.silent:
        step = silence.on_silence(session, conversation, quiet + 1)
        if step.handoff is not None:
            return respond_with(step.handoff)
        return play(step.played, quiet=quiet + 1, spoken=step.spoken)

    # The caller answered, so the recording notice has been heard.
    recording.start_if_disclosed(session, conversation)
    played = calls.answer(session, conversation, said, answering=answering)
    handoff = after_turn(session, conversation, played)
    return respond_with(handoff) if handoff is not None else play(played)


def respond_with(handoff: Handoff) -> str:
    """The TwiML of a handoff: ring staff with a whisper, or say the last words and hang up."""
    if handoff.kind == "dial" and handoff.number:
        return twiml.dial(
            handoff.words,
            handoff.language,
            number=handoff.number,
            whisper=urls.public(urls.WHISPER, task=handoff.task_id),
            action=urls.public(urls.TRANSFER_DONE, task=handoff.task_id),
        )
    return twiml.say_and_hang_up(handoff.words, handoff.language)


def _listened_in(session: Session, conversation: Conversation, answering: int) -> str:
    """The language the Gather of agent turn `answering` listened in: that turn's own
    (a retried webhook may arrive after later turns); the call's, if no such turn."""
    spoken = session.scalar(
        select(Turn.language).where(
            Turn.conversation_id == conversation.id,
            Turn.seq == answering,
            Turn.speaker == "agent",
        )
    )
    return "es" if (spoken or conversation.language) == "es" else "en"


def _counter(value: str, name: str) -> int:
    if not value.isdigit():
        raise InvalidArgument(
            f"query parameter {name}={value!r} is not a whole number; it comes from the "
            "Gather action URL this service wrote",
            field=name,
        )
    return int(value)


def _confidence(value: str) -> float | None:
    try:
        score = float(value)
    except ValueError:
        return None
    return score if 0.0 <= score <= 1.0 else None
