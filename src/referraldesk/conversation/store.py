"""Reading and writing a conversation's rows: the turn lock, turns, replays, open threads.

The runtime is the only writer of these rows. Every function here flushes at most;
the request, the command or the job that called the runtime owns the transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from referraldesk.conversation.turn import Action, AgentTurn, Option
from referraldesk.db.encrypted import blind_match
from referraldesk.errors import NotFound
from referraldesk.models import Conversation, Turn


def lock_conversation(session: Session, conversation_id: str) -> Conversation:
    """Load a conversation and hold its row for the rest of the transaction.

    Two webhooks for the same conversation (a retried SMS, a double click) would
    otherwise both read the same frame and both append turn N+1. PostgreSQL waits on
    FOR UPDATE; SQLite already serializes writers (BEGIN IMMEDIATE, see db/session.py),
    and SQLAlchemy leaves the clause out there.
    """
    statement = (
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    conversation = session.scalars(statement).one_or_none()
    if conversation is None:
        raise NotFound(
            f"there is no conversation with id {conversation_id!r}; "
            "start one with POST /api/conversations",
            field="conversation_id",
        )
    return conversation


def next_seq(session: Session, conversation_id: str) -> int:
    highest = session.scalar(
        select(func.max(Turn.seq)).where(Turn.conversation_id == conversation_id)
    )
    return 1 if highest is None else highest + 1


def add_turn(
    session: Session,
    conversation: Conversation,
    *,
    speaker: str,
    text: str,
    language: str | None,
    at: datetime,
    turn: AgentTurn | None = None,
    confidence: float | None = None,
    latency_ms: float | None = None,
    external_id: str | None = None,
) -> Turn:
    """Append one turn (caller or agent) with the next sequence number."""
    row = Turn(
        conversation_id=conversation.id,
        seq=next_seq(session, conversation.id),
        speaker=speaker,
        text=text,
        language=language,
        at=at,
        awaiting=turn.awaiting if turn else None,
        options=[option.model_dump(exclude_none=True) for option in turn.options] if turn else [],
        actions=[action.model_dump(exclude_none=True) for action in turn.actions] if turn else [],
        confidence=confidence,
        latency_ms=latency_ms,
        external_id=external_id,
    )
    session.add(row)
    session.flush()
    return row


def as_agent_turn(row: Turn) -> AgentTurn:
    """Rebuild the AgentTurn a stored agent row was made from (for replays)."""
    return AgentTurn(
        reply=row.text,
        language="es" if row.language == "es" else "en",
        awaiting=row.awaiting or "none",  # type: ignore[arg-type]
        options=[Option.model_validate(option) for option in row.options or []],
        actions=[Action.model_validate(action) for action in row.actions or []],
    )


def reply_to_message(session: Session, conversation_id: str, external_id: str) -> AgentTurn | None:
    """The agent turn that answered caller message `external_id`, if it was played."""
    caller_seq = session.scalar(
        select(Turn.seq).where(
            Turn.conversation_id == conversation_id,
            Turn.speaker == "caller",
            Turn.external_id == external_id,
        )
    )
    if caller_seq is None:
        return None
    answer = session.scalars(
        select(Turn)
        .where(
            Turn.conversation_id == conversation_id,
            Turn.speaker == "agent",
            Turn.seq > caller_seq,
        )
        .order_by(Turn.seq)
        .limit(1)
    ).first()
    return as_agent_turn(answer) if answer is not None else None


def conversation_of_message(session: Session, channel: str, external_id: str) -> str | None:
    """Which conversation of `channel` already holds caller message `external_id`."""
    return session.scalar(
        select(Turn.conversation_id)
        .join(Conversation, Conversation.id == Turn.conversation_id)
        .where(
            Conversation.channel == channel,
            Turn.speaker == "caller",
            Turn.external_id == external_id,
        )
        .limit(1)
    )


def last_agent_turn(session: Session, conversation_id: str) -> Turn | None:
    return session.scalars(
        select(Turn)
        .where(Turn.conversation_id == conversation_id, Turn.speaker == "agent")
        .order_by(Turn.seq.desc())
        .limit(1)
    ).first()


def caller_texts(session: Session, conversation_id: str) -> list[str]:
    return list(
        session.scalars(
            select(Turn.text)
            .where(Turn.conversation_id == conversation_id, Turn.speaker == "caller")
            .order_by(Turn.seq)
        )
    )


def count_turns(session: Session, conversation_id: str, speaker: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Turn)
            .where(Turn.conversation_id == conversation_id, Turn.speaker == speaker)
        )
        or 0
    )


def latest_open_conversation(
    session: Session, channel: str, caller_phone: str
) -> Conversation | None:
    """The most recent active conversation of `channel` with this number, locked."""
    return session.scalars(
        select(Conversation)
        .where(
            Conversation.channel == channel,
            blind_match(Conversation.caller_phone_index, "phone", caller_phone),
            Conversation.status == "active",
        )
        .order_by(Conversation.last_activity_at.desc())
        .limit(1)
        .with_for_update()
    ).first()


def active_conversations_idle_since(session: Session, cutoff: datetime) -> list[str]:
    return list(
        session.scalars(
            select(Conversation.id).where(
                Conversation.status == "active", Conversation.last_activity_at < cutoff
            )
        )
    )


def json_copy(value: dict[str, Any]) -> dict[str, Any]:
    """A fresh, JSON-clean copy of a frame.

    Assigning a new dict is what makes SQLAlchemy see the change (it does not watch
    nested mutation of a JSON column); the round trip also fails fast, naming the
    problem, if a brain put something unserializable in its frame.
    """
    return json.loads(json.dumps(value))  # type: ignore[no-any-return]


def lock_text_thread(session: Session, channel: str, caller_phone: str) -> None:
    """Serialize the first messages of one number's thread.

    Two texts from a new number arriving at once on two instances would each find no
    open conversation and each start one. PostgreSQL takes a transaction-scoped
    advisory lock on the (channel, number) pair; SQLite already serializes writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"thread:{channel}:{caller_phone}"},
        )


def mark_interrupted(session: Session, conversation_id: str, heard_text: str) -> Turn | None:
    """The caller cut the last agent turn off: keep what of it was actually heard.

    Voice channels call this when the caller speaks over the agent (ConversationRelay's
    `interrupt`); the turn keeps its full text, `heard_text` what reached the caller.
    """
    row = last_agent_turn(session, conversation_id)
    if row is None:
        return None
    row.interrupted = True
    row.heard_text = heard_text
    session.flush()
    return row
