"""What an analysis says about a conversation, and what an analyzer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import BaseModel, Field

INTENTS = (
    "book_referral_visit",
    "new_appointment",
    "reschedule",
    "cancel",
    "appointment_question",
    "hours_location",
    "insurance_question",
    "billing_question",
    "provider_question",
    "prescription_question",
    "emergency",
    "wrong_number",
    "other",
)

Intent = Literal[
    "book_referral_visit",
    "new_appointment",
    "reschedule",
    "cancel",
    "appointment_question",
    "hours_location",
    "insurance_question",
    "billing_question",
    "provider_question",
    "prescription_question",
    "emergency",
    "wrong_number",
    "other",
]


class Analysis(BaseModel):
    """One analyzer's verdict on one conversation (the LLM answers in this shape too)."""

    sentiment: float = Field(ge=-1.0, le=1.0, description="caller sentiment, -1 (angry) to 1")
    lead_score: int = Field(ge=0, le=100, description="how likely this contact ends in a kept visit")
    intent: Intent
    topics: list[str] = Field(max_length=6, description="a few short topic labels")
    satisfaction: int = Field(ge=1, le=5, description="estimated caller satisfaction")
    escalation_flag: bool
    escalation_reason: str | None = Field(default=None, max_length=200)
    summary: str = Field(min_length=1, max_length=800, description="two or three sentences")


@dataclass(frozen=True)
class ToolUse:
    name: str
    ok: bool
    error_code: str | None


@dataclass(frozen=True)
class ConversationFacts:
    """Everything an analyzer may read, taken from the stored conversation.

    Built once from the database so analyzers stay pure and easy to evaluate on
    labelled transcripts that never touched a database.
    """

    conversation_id: str
    channel: str
    direction: str
    language: str
    outcome: str | None
    outcome_reason: str | None
    caller_texts: list[str]
    agent_texts: list[str]
    tools: list[ToolUse] = field(default_factory=list)
    failed_verifications: int = 0
    has_referral: bool = False
    duration_seconds: float = 0.0
    practice_language: str = "en"
    # The language of each caller message, where the channel knew it.
    caller_languages: list[str] = field(default_factory=list)


class Analyzer(Protocol):
    name: str
    version: str

    def analyze(self, facts: ConversationFacts) -> Analysis: ...
