"""The web chat API (public) and the transcript view (staff), as API.md lists them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from referraldesk.api import access
from referraldesk.api.deps import DbSession, client_address, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.channels.ratelimit import RateLimit
from referraldesk.conversation import runtime
from referraldesk.errors import NotFound
from referraldesk.models import Conversation, ConversationAnalysis, ToolCall, Turn
from referraldesk.settings import get_settings
from referraldesk.tools import identity_limits

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

# Per client address; generous enough for a clinic's shared waiting-room wifi.
def start_limit() -> RateLimit:
    """Conversation starts allowed per client address (REFERRALDESK_CHAT_STARTS_PER_10_MINUTES)."""
    return RateLimit(
        "conversation_start", limit=get_settings().chat_starts_per_10_minutes, window_seconds=600
    )

# Per client address, across its chats: a person types a few messages a minute; a
# script hammering the agent (or walking birth dates) does not get far.
MESSAGES_PER_10_MINUTES = 120


def message_limit() -> RateLimit:
    return RateLimit("conversation_message", limit=MESSAGES_PER_10_MINUTES, window_seconds=600)


TranscriptReader = Annotated[Actor, Depends(require_roles(*access.TRANSCRIPTS))]


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str
    language: str | None = Field(default=None, description="en or es; null: the practice default")
    caller_phone: str | None = Field(default=None, max_length=32)

    @field_validator("channel")
    @classmethod
    def _web_chat_only(cls, value: str) -> str:
        if value != "chat":
            raise ValueError(
                f"channel {value!r} cannot start here: this route starts web chats "
                "(channel 'chat'); texts and calls arrive through the Twilio webhooks"
            )
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in runtime.LANGUAGES:
            raise ValueError(f"language {value!r} is not one of {', '.join(runtime.LANGUAGES)}")
        return value


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str


@router.post("", status_code=201)
def start(body: StartIn, request: Request, session: DbSession) -> dict[str, Any]:
    """Start a web chat; returns its id and the agent's greeting."""
    start_limit().hit(session, client_address(request))
    with identity_limits.chat_from(client_address(request)):
        conversation, turn = runtime.start_conversation(
            session, body.channel, language=body.language, caller_phone=body.caller_phone
        )
    return {"id": conversation.id, "turn": turn.public()}


@router.post("/{conversation_id}/messages")
def message(
    conversation_id: str, body: MessageIn, request: Request, session: DbSession
) -> dict[str, Any]:
    """One caller message; returns the agent's turn."""
    message_limit().hit(session, client_address(request))
    _require_chat(session, conversation_id)
    with identity_limits.chat_from(client_address(request)):
        turn = runtime.handle_message(session, conversation_id, body.text)
    return {"turn": turn.public()}


@router.post("/{conversation_id}/end")
def end(conversation_id: str, session: DbSession) -> dict[str, Any]:
    """The caller left (closing the chat); ending twice is harmless."""
    _require_chat(session, conversation_id)
    conversation = runtime.end_conversation(session, conversation_id, reason="caller_left")
    return {"id": conversation.id, "status": conversation.status}


@router.get("/{conversation_id}")
def read(conversation_id: str, session: DbSession, actor: TranscriptReader) -> dict[str, Any]:
    """The transcript, tool calls, outcome and analytics; the read is audited (PHI)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise _unknown(conversation_id)
    trail.record(
        session,
        actor,
        "read",
        "conversation",
        conversation.id,
        patient_id=conversation.patient_id,
        conversation_id=conversation.id,
        reason="transcript view",
    )
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "direction": conversation.direction,
        "language": conversation.language,
        "languages": conversation.languages,
        "status": conversation.status,
        "outcome": conversation.outcome,
        "outcome_reason": conversation.outcome_reason,
        "patient_id": conversation.patient_id,
        "started_at": conversation.started_at.isoformat(),
        "ended_at": conversation.ended_at.isoformat() if conversation.ended_at else None,
        "turns": [_turn(turn) for turn in conversation.turns],
        "tool_calls": [_tool_call(call) for call in conversation.tool_calls],
        "analytics": _analytics(session, conversation.id),
    }


def _require_chat(session: DbSession, conversation_id: str) -> None:
    # The public routes serve web chats only: a conversation id of a call or a text
    # thread is not a handle for anyone on the internet to talk into.
    channel = session.scalar(select(Conversation.channel).where(Conversation.id == conversation_id))
    if channel != "chat":
        raise _unknown(conversation_id)


def _unknown(conversation_id: str) -> NotFound:
    return NotFound(
        f"there is no conversation with id {conversation_id!r}", field="conversation_id"
    )


def _turn(turn: Turn) -> dict[str, Any]:
    return {
        "seq": turn.seq,
        "speaker": turn.speaker,
        "text": turn.text,
        "language": turn.language,
        "at": turn.at.isoformat(),
        "awaiting": turn.awaiting,
        "options": turn.options,
        "actions": turn.actions,
        "confidence": turn.confidence,
        "latency_ms": turn.latency_ms,
        "interrupted": turn.interrupted,
    }


def _tool_call(call: ToolCall) -> dict[str, Any]:
    return {
        "name": call.name,
        "arguments": call.arguments,
        "result": call.result,
        "error": call.error,
        "error_code": call.error_code,
        "latency_ms": call.latency_ms,
        "actor": call.actor,
        "at": call.at.isoformat(),
    }


def _analytics(session: DbSession, conversation_id: str) -> dict[str, Any] | None:
    analysis = session.scalar(
        select(ConversationAnalysis).where(
            ConversationAnalysis.conversation_id == conversation_id,
            ConversationAnalysis.is_current.is_(True),
        )
    )
    if analysis is None:
        return None
    return {
        "sentiment": analysis.sentiment,
        "lead_score": analysis.lead_score,
        "intent": analysis.intent,
        "topics": analysis.topics,
        "satisfaction": analysis.satisfaction,
        "escalation": {"flag": analysis.escalation_flag, "reason": analysis.escalation_reason},
        "summary": analysis.summary,
        "analyzer": analysis.analyzer,
        "analyzed_at": analysis.analyzed_at.isoformat(),
    }
