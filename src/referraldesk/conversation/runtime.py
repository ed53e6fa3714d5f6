"""The conversation runtime: one turn at a time, persisted, whatever the channel or brain.

Every channel (web chat, SMS, voice, terminal) calls these three functions; the
brain answers through a TurnContext whose tools are the catalog bound to this
conversation, and the guardrails check every turn below the brain. All state lives
in the database, so any web instance can serve any turn. The caller of these
functions owns the transaction (a request, a command, the case player).

Analysis of an ended conversation is queued with `jobs.queue_after_commit`: the job
is handed to the queue only once the transaction that ended the conversation has
committed, so the worker always finds the final transcript.
"""

from __future__ import annotations

import copy
import re
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.conversation import brains, guardrails, phi, store
from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.choices import resolve_choice
from referraldesk.conversation.guardrails import Heard
from referraldesk.conversation.outcomes import merge_outcome, outcome_at_end
from referraldesk.conversation.turn import AgentTurn
from referraldesk.errors import Conflict, InvalidArgument, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, Practice, Turn
from referraldesk.tools import ToolContext, ToolOutcome, catalog

log = get_logger(__name__)

CHANNELS = ("chat", "sms", "voice", "terminal")
DIRECTIONS = ("inbound", "outbound")
LANGUAGES = ("en", "es")
MAX_MESSAGE_CHARS = 2000
# A conversation by text stays open across messages for a day.
TEXT_THREAD_IDLE = timedelta(hours=24)
_SKIP_ANALYSIS = "referraldesk.skip_analysis"
_VERIFICATION_FAILURES = frozenset({"not_found", "ambiguous", "rate_limited"})
# NUL cannot be stored in PostgreSQL text; other control characters are noise.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Produce = Callable[[TurnContext], AgentTurn]


class ConversationEnded(Conflict):
    """A message for a conversation that is over: start a new one instead."""

    retryable = False


def start_conversation(
    session: Session,
    channel: str,
    *,
    language: str | None = None,
    caller_phone: str | None = None,
    direction: str = "inbound",
    external_id: str | None = None,
    referral_id: str | None = None,
    brain: str | None = None,
) -> tuple[Conversation, AgentTurn]:
    """Open a conversation and play the agent's first turn (the greeting or opening).

    `language` None lets the brain greet in the practice default ("en") and follow
    the caller; `caller_phone` any format, stored E.164 (InvalidArgument otherwise);
    `brain` None takes the configured one (see brains.py).
    """
    _check_start(channel, direction, language)
    at = now()
    conversation = Conversation(
        channel=channel,
        direction=direction,
        language=language or "en",
        languages=[language or "en"],
        caller_phone=_normalized_phone(caller_phone),
        external_id=external_id,
        referral_id=referral_id,
        brain=brain or brains.configured_brain_name(),
        status="active",
        state={},
        failed_verifications=0,
        started_at=at,
        last_activity_at=at,
    )
    session.add(conversation)
    session.flush()
    log.info(
        "conversation_started",
        conversation_id=conversation.id,
        channel=channel,
        direction=direction,
        brain=conversation.brain,
    )

    engine = brains.get_brain(conversation.brain)
    turn = _play(session, conversation, at, engine.start, heard=None, previous=None)
    return conversation, turn


def handle_message(
    session: Session,
    conversation_id: str,
    text: str,
    *,
    external_id: str | None = None,
    confidence: float | None = None,
    language_hint: str | None = None,
) -> AgentTurn:
    """Play one caller message and return the agent's answer.

    `external_id` is the channel's message id (Twilio MessageSid): a message already
    played returns the stored answer and changes nothing. `confidence` is the speech
    recognizer's 0..1 score, None for typed text. `language_hint` ("en" | "es") is the
    language the channel says the words are in (a speech recognizer transcribing in
    Spanish): it decides text that reads as either language and counts as evidence
    of the caller's language; None (typed text) leaves that to the words alone.
    Raises NotFound for an unknown id,
    ConversationEnded once the conversation is over, InvalidArgument for an empty or
    over-long message.
    """
    message = clean_message(text)
    _check_language_hint(language_hint)
    conversation = store.lock_conversation(session, conversation_id)
    if external_id is not None:
        replayed = store.reply_to_message(session, conversation.id, external_id)
        if replayed is not None:
            log.info("message_replayed", conversation_id=conversation.id)
            return replayed
    if conversation.status != "active":
        raise ConversationEnded(
            f"conversation {conversation.id!r} has ended; start a new one with "
            "POST /api/conversations",
            field="conversation_id",
        )

    at = now()
    practice = _practice(session)
    previous = store.last_agent_turn(session, conversation.id)
    heard = guardrails.hear(
        message,
        now=at.astimezone(ZoneInfo(practice.timezone)),
        language=conversation.language,
        awaiting=previous.awaiting if previous else None,
        hint=language_hint,
    )
    store.add_turn(
        session,
        conversation,
        speaker="caller",
        text=message,
        language=heard.language,
        at=at,
        confidence=confidence,
        external_id=external_id,
    )

    produce = _producer(conversation, message, heard, resolve_choice(message, previous))
    turn = _play(
        session,
        conversation,
        at,
        produce,
        heard=heard,
        previous=previous,
        language_hint=language_hint,
    )
    if any(action.type == "end" for action in turn.actions):
        _close(session, conversation, reason=turn.outcome_reason or "agent_ended")
    return turn


def end_conversation(
    session: Session, conversation_id: str, reason: str = "caller_left"
) -> Conversation:
    """End a conversation (idempotent) and queue its analysis after the commit."""
    conversation = store.lock_conversation(session, conversation_id)
    if conversation.status == "active":
        _close(session, conversation, reason=reason)
    return conversation


def continue_text_thread(
    session: Session, channel: str, caller_phone: str, *, idle: timedelta = TEXT_THREAD_IDLE
) -> tuple[Conversation, AgentTurn | None]:
    """The open conversation of this number by text, or a new one with its greeting.

    A thread idle longer than `idle` is ended (`thread_expired`) and a new one begins.
    The greeting is None when the thread continues.
    """
    phone = _normalized_phone(caller_phone)
    if phone is None:
        raise InvalidArgument("a text thread needs the sender's number", field="caller_phone")
    store.lock_text_thread(session, channel, phone)
    current = store.latest_open_conversation(session, channel, phone)
    if current is not None and current.last_activity_at >= now() - idle:
        return current, None
    if current is not None:
        _close(session, current, reason="thread_expired")
    return start_conversation(session, channel, caller_phone=phone)


def end_idle_conversations(
    session: Session, *, idle: timedelta, reason: str = "idle", limit: int | None = None
) -> list[str]:
    """End active conversations quiet for longer than `idle` (at most `limit` of them,
    None for all); return their ids.

    A browser tab closed mid-chat, a text thread never answered or a call whose status
    callback never came leaves its conversation open; the periodic job in
    jobs/idle_tasks.py calls this so each gets an outcome, an analysis and, in time,
    the retention purge (which only takes ended conversations).
    """
    cutoff = now() - idle
    ended = []
    for conversation_id in store.active_conversations_idle_since(session, cutoff)[:limit]:
        conversation = store.lock_conversation(session, conversation_id)
        # Race: a message may have arrived between the look-up and the lock; that
        # conversation is no longer idle and stays open.
        if conversation.status == "active" and conversation.last_activity_at < cutoff:
            _close(session, conversation, reason=reason)
            ended.append(conversation_id)
    return ended


_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_message(text: str) -> str:
    """The caller's text without control characters; refuses empty and over-long text."""
    # Lone surrogates ("\ud800") arrive through JSON escapes and cannot be encoded.
    message = _SURROGATES.sub("", _CONTROL.sub("", text)).strip()
    if not message:
        raise InvalidArgument(
            "the message is empty; send the caller's words in `text`", field="text"
        )
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidArgument(
            f"the message has {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}. "
            "Send a shorter message.",
            field="text",
        )
    return message


def _check_start(channel: str, direction: str, language: str | None) -> None:
    problems = []
    if channel not in CHANNELS:
        problems.append(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if direction not in DIRECTIONS:
        problems.append(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    if language is not None and language not in LANGUAGES:
        problems.append(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if problems:
        raise InvalidArgument("; ".join(problems))


def _check_language_hint(language_hint: str | None) -> None:
    if language_hint is not None and language_hint not in LANGUAGES:
        raise InvalidArgument(
            f"language_hint {language_hint!r} is not one of {', '.join(LANGUAGES)}",
            field="language_hint",
        )


def _normalized_phone(caller_phone: str | None) -> str | None:
    if caller_phone is None or not caller_phone.strip():
        return None
    from referraldesk.patients.phones import normalize_phone

    return normalize_phone(caller_phone)


def _producer(conversation: Conversation, message: str, heard: Heard, for_brain: str) -> Produce:
    keyword = guardrails.consent_keyword(message, heard, conversation.channel)
    if keyword is not None:
        return lambda ctx: guardrails.consent_turn(ctx, keyword)
    engine = brains.get_brain(conversation.brain)
    return lambda ctx: engine.respond(ctx, for_brain)


def _play(
    session: Session,
    conversation: Conversation,
    at: datetime,
    produce: Produce,
    *,
    heard: Heard | None,
    previous: Turn | None,
    language_hint: str | None = None,
) -> AgentTurn:
    started = perf_counter()
    failed_before = conversation.failed_verifications
    ctx = _context(session, conversation, at, previous)
    # The brains read it from `extra` (see guided/language.py); None for typed text.
    ctx.extra["language_hint"] = language_hint

    turn = _produce_safely(session, conversation, ctx, produce)
    turn = _guard(session, conversation, ctx, turn, heard, failed_before)

    latency_ms = round((perf_counter() - started) * 1000, 1)
    _record_agent_turn(session, conversation, ctx, turn, latency_ms)
    return turn


def _produce_safely(
    session: Session, conversation: Conversation, ctx: TurnContext, produce: Produce
) -> AgentTurn:
    frame = copy.deepcopy(ctx.state)
    try:
        # A savepoint: a brain that fails half-way leaves none of its writes behind.
        with session.begin_nested():
            return produce(ctx)
    except Exception as exc:  # reported, and the caller is handed to a person, not a 500
        log.error(
            "brain_failed",
            conversation_id=conversation.id,
            brain=conversation.brain,
            error=type(exc).__name__,
            where=_raised_at(exc),
        )
        ctx.state = frame
        return guardrails.error_turn(ctx)


def _raised_at(exc: BaseException) -> str:
    # Where, never the message: an exception's text may quote what the caller said.
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


def _guard(
    session: Session,
    conversation: Conversation,
    ctx: TurnContext,
    turn: AgentTurn,
    heard: Heard | None,
    failed_before: int,
) -> AgentTurn:
    # Order matters: the 911 instruction is added last so no other rule can remove it.
    if ctx.verified_patient_id is None:
        said = " ".join(store.caller_texts(session, conversation.id))
        turn = guardrails.withhold_phi(ctx, turn, phi.markers_for(session, conversation), said)
    turn = guardrails.transfer_after_failed_verifications(
        ctx, turn, failed_before=failed_before, failed_now=conversation.failed_verifications
    )
    if heard is not None:
        turn = guardrails.ensure_emergency_instruction(ctx, heard, turn)
    return turn


def _record_agent_turn(
    session: Session,
    conversation: Conversation,
    ctx: TurnContext,
    turn: AgentTurn,
    latency_ms: float,
) -> None:
    conversation.state = store.json_copy(ctx.state)
    kept = merge_outcome(conversation.outcome, turn.outcome)
    if kept != conversation.outcome:
        conversation.outcome = kept
        conversation.outcome_reason = (turn.outcome_reason or "")[:300] or None
    conversation.language = turn.language
    if turn.language not in conversation.languages:
        conversation.languages = [*conversation.languages, turn.language]
    conversation.last_activity_at = now()

    row = store.add_turn(
        session,
        conversation,
        speaker="agent",
        text=turn.reply,
        language=turn.language,
        at=now(),
        turn=turn,
        latency_ms=latency_ms,
    )
    log.info(
        "agent_turn",
        conversation_id=conversation.id,
        seq=row.seq,
        latency_ms=latency_ms,
        awaiting=turn.awaiting,
        outcome=conversation.outcome,
    )


def _close(session: Session, conversation: Conversation, *, reason: str) -> None:
    last = store.last_agent_turn(session, conversation.id)
    caller_spoke = store.count_turns(session, conversation.id, "caller") > 0
    if conversation.outcome is None:
        conversation.outcome_reason = reason[:300]
    conversation.outcome = outcome_at_end(
        conversation.outcome,
        caller_spoke=caller_spoke,
        last_awaiting=last.awaiting if last else None,
    )
    conversation.status = "ended"
    conversation.ended_at = now()
    session.flush()
    _queue_analysis(session, conversation.id)
    log.info(
        "conversation_ended",
        conversation_id=conversation.id,
        outcome=conversation.outcome,
        reason=reason,
    )


def skip_analysis(session: Session) -> None:
    """Queue no analysis for conversations ended in `session` (throwaway databases)."""
    session.info[_SKIP_ANALYSIS] = True


def _queue_analysis(session: Session, conversation_id: str) -> None:
    if session.info.get(_SKIP_ANALYSIS):
        return
    from referraldesk import jobs

    jobs.queue_after_commit(session, jobs.queue_analysis, conversation_id)


def _context(
    session: Session, conversation: Conversation, at: datetime, previous: Turn | None
) -> TurnContext:
    """The brain's view of this turn; `previous` is the last agent turn (None: the first)."""
    practice = _practice(session)
    tools = _BoundTools(session, conversation)
    ctx = TurnContext(
        conversation_id=conversation.id,
        channel=conversation.channel,
        direction=conversation.direction,
        language=conversation.language,
        caller_phone=conversation.caller_phone,
        now=at,
        practice_timezone=practice.timezone,
        practice_name=practice.name,
        state=copy.deepcopy(conversation.state or {}),
        call_tool=tools,
        verified_patient_id=conversation.patient_id,
        # The number of the agent turn being produced: the greeting is 1.
        turn_number=store.count_turns(session, conversation.id, "agent") + 1,
        extra={
            "failed_verifications": conversation.failed_verifications,
            "referral_id": conversation.referral_id,
            # What the caller heard of the last reply when they cut it off (voice), else None.
            # (`previous` was read at the start of the turn: one query fewer per turn.)
            "last_reply_heard": _heard_of(previous),
            # Names this practice in this database, for caches of practice data
            # (never patient data) that may outlive one turn.
            "practice_key": f"{session.get_bind().engine.url}|{practice.id}",
        },
    )
    tools.turn = ctx
    return ctx


def _heard_of(last: Turn | None) -> str | None:
    return last.heard_text if last is not None and last.interrupted else None


def _practice(session: Session) -> Practice:
    practice = session.scalar(select(Practice).limit(1))
    if practice is None:
        raise Unavailable(
            "no practice is configured, so the agent has nothing to answer for; "
            "load one with `referraldesk practice load --demo` (or a practice YAML file)"
        )
    return practice


class _BoundTools:
    """`ctx.call_tool`: the catalog bound to one conversation, keeping it in step.

    After each call the verified patient (set by lookup_patient or registration) is
    copied to the conversation and the context, and a failed identity check is counted.
    """

    def __init__(self, session: Session, conversation: Conversation) -> None:
        self.session = session
        self.conversation = conversation
        self.turn: TurnContext | None = None

    def __call__(self, name: str, /, **arguments: Any) -> ToolOutcome:
        conversation = self.conversation
        language = self.turn.language if self.turn else conversation.language
        context = ToolContext.for_agent(
            conversation.id,
            conversation.channel,
            language,
            verified_patient_id=conversation.patient_id,
            caller_phone=conversation.caller_phone,
        )
        outcome = catalog.call(self.session, context, name, arguments)
        self._follow_verification(context)
        if name == "lookup_patient" and not outcome.ok and outcome.error is not None:
            self._count_failure(outcome.error.code)
        return outcome

    def _follow_verification(self, context: ToolContext) -> None:
        verified = context.verified_patient_id
        if verified is None or (
            self.turn is not None and self.turn.verified_patient_id == verified
        ):
            return
        # lookup_patient may have written the row already; the context is ours to keep.
        self.conversation.patient_id = verified
        if self.turn is not None:
            self.turn.verified_patient_id = verified
        log.info("caller_verified", conversation_id=self.conversation.id, patient_id=verified)

    def _count_failure(self, code: str) -> None:
        if code not in _VERIFICATION_FAILURES:
            return
        self.conversation.failed_verifications += 1
        if self.turn is not None:
            self.turn.extra["failed_verifications"] = self.conversation.failed_verifications
        log.info(
            "verification_failed",
            conversation_id=self.conversation.id,
            failures=self.conversation.failed_verifications,
        )
