"""Clearing content from rows while keeping the rows that counts and links depend on.

Erasure and the retention purge share these: a conversation keeps its channel, times
and outcome (the numbers page counts them) and loses its words, its recording link,
its analyses and the contents of its tool calls. Its recording is deleted at Twilio too
when the account's credentials are set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from referraldesk.errors import DomainError, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, ConversationAnalysis, ToolCall, Turn

if TYPE_CHECKING:
    from referraldesk.voice.outbound import TwilioVoice

log = get_logger(__name__)

ERASED = "[erased]"
_RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")
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


@dataclass
class RecordingsCleared:
    """How many conversations lost their recording, and those whose recording may still
    be held at Twilio (not deleted there: refused, unreachable or no credentials)."""

    cleared: int = 0
    not_deleted: list[str] = field(default_factory=list)


def clear_recordings(session: Session, conversation_ids: list[str]) -> RecordingsCleared:
    """Delete these conversations' recordings at Twilio and forget their links.

    The links are forgotten even when Twilio's copy could not be deleted: the row must
    not keep pointing at it, and `not_deleted` (and a warning by ids) says which
    conversations a person has to finish in Twilio's console.
    """
    result = RecordingsCleared()
    if not conversation_ids:
        return result
    recorded = list(session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids), HAS_RECORDING)))
    voice = _twilio_voice() if recorded else None
    for conversation in recorded:
        sid = _recording_sid(conversation)
        if sid and not _deleted_at_twilio(voice, conversation.id, sid):
            result.not_deleted.append(conversation.id)
        conversation.recording_url = None
        conversation.recording_sid = None
        result.cleared += 1
    session.flush()
    return result


def _recording_sid(conversation: Conversation) -> str:
    """The RecordingSid, or the one Twilio's address of the recording ends in; "" when
    neither names a Twilio recording (nothing to delete there)."""
    url_tail = (conversation.recording_url or "").rstrip("/").rsplit("/", 1)[-1]
    sid = conversation.recording_sid or url_tail
    return sid if _RECORDING_SID.fullmatch(sid) else ""


def _twilio_voice() -> TwilioVoice | None:
    """Twilio's client through the recording module's seam; None without credentials."""
    # Imported here: the voice package imports the conversation runtime, which must not
    # load for a retention purge or an erasure run from the command line.
    from referraldesk.voice import recording
    from referraldesk.voice.outbound import TwilioVoice

    try:
        return TwilioVoice.from_settings(http_client=recording.current_http_client())
    except Unavailable:
        return None


def _deleted_at_twilio(voice: TwilioVoice | None, conversation_id: str, sid: str) -> bool:
    if voice is None:
        log.warning("recording_not_deleted", conversation_id=conversation_id,
                    recording_sid=sid, error="no_twilio_credentials")
        return False
    try:
        voice.delete_recording(sid)
    except DomainError as exc:
        log.warning("recording_not_deleted", conversation_id=conversation_id,
                    recording_sid=sid, error=type(exc).__name__)
        return False
    log.info("recording_deleted", conversation_id=conversation_id, recording_sid=sid)
    return True


def empty_tool_call(call: ToolCall) -> None:
    call.arguments = {}
    call.result = None
    call.error = None
