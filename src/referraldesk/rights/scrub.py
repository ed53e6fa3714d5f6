"""Clearing content from rows while keeping the rows that counts and links depend on.

Erasure and the retention purge share these: a conversation keeps its channel, times
and outcome (the numbers page counts them) and loses its words, its recording link,
its analyses and the contents of its tool calls.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from referraldesk.models import Conversation, ConversationAnalysis, ToolCall, Turn

ERASED = "[erased]"
HAS_RECORDING = or_(Conversation.recording_url.is_not(None),
                    Conversation.recording_sid.is_not(None))


def clear_transcript(session: Session, conversation_ids: list[str]) -> int:
    """Delete the turns and analyses of these conversations and empty their tool calls
    and the brain's frame (which holds what the caller said). Returns turns removed."""
    if not conversation_ids:
        return 0
    removed = session.execute(
        delete(Turn).where(Turn.conversation_id.in_(conversation_ids))
    ).rowcount or 0
    session.execute(delete(ConversationAnalysis)
                    .where(ConversationAnalysis.conversation_id.in_(conversation_ids)))
    # Loaded through the ORM, not an UPDATE statement: the contents may be stored
    # encrypted, and the column type is what knows how to write an empty value.
    calls = select(ToolCall).where(ToolCall.conversation_id.in_(conversation_ids))
    for call in session.scalars(calls):
        empty_tool_call(call)
    for conversation in session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids))
    ):
        conversation.state = {}
        # The bulk delete above bypassed the loaded collections; reload them when read.
        session.expire(conversation, ["turns", "tool_calls"])
    session.flush()
    return int(removed)


def clear_recordings(session: Session, conversation_ids: list[str]) -> int:
    """Forget the recording links of these conversations; returns how many there were."""
    cleared = 0
    for conversation in session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids), HAS_RECORDING)
    ):
        conversation.recording_url = None
        conversation.recording_sid = None
        cleared += 1
    session.flush()
    return cleared


def empty_tool_call(call: ToolCall) -> None:
    call.arguments = {}
    call.result = None
    call.error = None
