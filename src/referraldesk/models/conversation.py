"""Conversations, their turns, tool calls, analyses and the requests they leave for staff.

Encrypted at rest (db/encrypted.py): the caller's number (with `caller_phone_index`
for finding a caller's open thread), the brain's frame (`state`: what the caller
said about themselves), turn text and heard text, turn actions (a text's number and
body), tool call arguments and results (names, dates of birth, appointments), the
analysis summary, and a staff task's summary and callback number. Left plain:
channels, statuses, outcomes and their reason codes, tool names and error codes,
offered options (slots and providers, no patient data), scores and timestamps,
which the dashboard counts and filters in SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin, JSONType
from referraldesk.db.encrypted import EncryptedJSON, EncryptedString, blind_index

OUTCOMES = (
    "booked",
    "rescheduled",
    "cancelled",
    "transferred",
    "answered",
    "refused",
    "emergency",
    "abandoned",
)


class Conversation(IdMixin, Base):
    __tablename__ = "conversations"
    __blind_indexes__ = {
        "caller_phone_index": lambda conversation: blind_index("phone", conversation.caller_phone)
    }
    __table_args__ = (
        Index("ix_conversations_started", "started_at"),
        # Covers the Numbers page's counts over a date range without reading the rows.
        Index("ix_conversations_started_figures",
              "started_at", "channel", "language", "outcome", "status", "id"),
        Index("ix_conversations_channel_external", "channel", "external_id"),
        # A referral's page lists the conversations about it (outreach calls and texts).
        Index("ix_conversations_referral", "referral_id"),
    )

    # chat | sms | voice | terminal
    channel: Mapped[str] = mapped_column(String(10))
    # inbound | outbound
    direction: Mapped[str] = mapped_column(String(10), default="inbound")
    language: Mapped[str] = mapped_column(String(5), default="en")
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    caller_phone: Mapped[str | None] = mapped_column(EncryptedString())
    caller_phone_index: Mapped[str | None] = mapped_column(String(32), index=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    # active | ended
    status: Mapped[str] = mapped_column(String(8), default="active", index=True)
    outcome: Mapped[str | None] = mapped_column(String(12), index=True)
    outcome_reason: Mapped[str | None] = mapped_column(String(300))
    brain: Mapped[str] = mapped_column(String(10), default="guided")
    # The brain's frame between turns: any instance can serve the next turn.
    state: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    failed_verifications: Mapped[int] = mapped_column(Integer, default=0)
    # Twilio CallSid, or the SMS thread key; lets a webhook find its conversation.
    external_id: Mapped[str | None] = mapped_column(String(64))
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referrals.id"))
    recording_disclosed: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_url: Mapped[str | None] = mapped_column(String(300))
    # Twilio RecordingSid of the call's recording (its URL holds ids only, no PHI).
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    # Keys pressed on a streaming call not yet sent to the engine (a date of birth
    # arrives one digit per message): kept here so another instance can finish it.
    pending_keys: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column(default=now)
    last_activity_at: Mapped[datetime] = mapped_column(default=now)
    ended_at: Mapped[datetime | None] = mapped_column()

    turns: Mapped[list[Turn]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", order_by="Turn.seq"
    )
    tool_calls: Mapped[list[ToolCall]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", order_by="ToolCall.at"
    )


class Turn(IdMixin, Base):
    __tablename__ = "turns"
    __table_args__ = (Index("uq_turns_conversation_seq", "conversation_id", "seq", unique=True),)

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    # caller | agent
    speaker: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(EncryptedString())
    language: Mapped[str | None] = mapped_column(String(5))
    at: Mapped[datetime] = mapped_column(default=now)
    awaiting: Mapped[str | None] = mapped_column(String(20))
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(EncryptedJSON(), default=list)
    # speech-to-text confidence 0..1 for voice; null elsewhere
    confidence: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    # the caller cut the agent off: `heard_text` is what was actually spoken
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False)
    heard_text: Mapped[str | None] = mapped_column(EncryptedString())
    # the channel's own message id (Twilio MessageSid ...), so a replay plays once
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)

    conversation: Mapped[Conversation] = relationship(back_populates="turns")


class ToolCall(IdMixin, Base):
    __tablename__ = "tool_calls"

    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64), index=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    # agent | staff:<user> | integration:<token name>
    actor: Mapped[str] = mapped_column(String(120))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(default=now)

    conversation: Mapped[Conversation | None] = relationship(back_populates="tool_calls")


class ConversationAnalysis(IdMixin, Base):
    __tablename__ = "conversation_analyses"
    __table_args__ = (
        Index("ix_analyses_conversation_current", "conversation_id", "is_current"),
        # Covers the dashboard's per-day sentiment and intent counts (read by the join).
        Index("ix_analyses_current_figures", "conversation_id", "is_current", "intent",
              "sentiment", "satisfaction", "escalation_flag", "escalation_reason"),
    )

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    sentiment: Mapped[float] = mapped_column(Float)
    lead_score: Mapped[int] = mapped_column(Integer)
    intent: Mapped[str] = mapped_column(String(32), index=True)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    satisfaction: Mapped[int] = mapped_column(Integer)
    escalation_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_reason: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(EncryptedString())
    analyzer: Mapped[str] = mapped_column(String(20))
    analyzer_version: Mapped[str] = mapped_column(String(20))
    analyzed_at: Mapped[datetime] = mapped_column(default=now)


class StaffTask(IdMixin, Base):
    """Something a person must do: a transfer that did not connect, a callback request."""

    __tablename__ = "staff_tasks"

    # transfer | callback | review
    kind: Mapped[str] = mapped_column(String(10))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    # routine | soon | urgent
    urgency: Mapped[str] = mapped_column(String(8), default="routine")
    summary: Mapped[str | None] = mapped_column(EncryptedString())
    callback_phone: Mapped[str | None] = mapped_column(EncryptedString())
    # open | done
    status: Mapped[str] = mapped_column(String(6), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    done_at: Mapped[datetime | None] = mapped_column()
