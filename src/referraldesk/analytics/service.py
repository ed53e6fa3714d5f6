"""Analyse a conversation and keep exactly one current analysis for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from referraldesk.analytics.embedded import EmbeddedAnalyzer
from referraldesk.analytics.facts import load_facts
from referraldesk.analytics.schema import Analyzer
from referraldesk.clock import now
from referraldesk.models import Conversation, ConversationAnalysis
from referraldesk.settings import get_settings


def choose_analyzer(name: str | None = None) -> Analyzer:
    chosen = name or get_settings().analyzer
    if chosen == "llm":
        from referraldesk.analytics.llm import LLMAnalyzer

        return LLMAnalyzer(fallback=EmbeddedAnalyzer())
    if chosen != "embedded":
        raise ValueError(f"analyzer {chosen!r} is not one of: embedded, llm")
    return EmbeddedAnalyzer()


def analyze_and_store(
    session: Session, conversation_id: str, analyzer: Analyzer | None = None
) -> ConversationAnalysis:
    """Score the conversation and make the new analysis the only current one."""
    _lock_conversation(session, conversation_id)
    facts = load_facts(session, conversation_id)
    chosen = analyzer or choose_analyzer()
    result = chosen.analyze(facts)
    session.execute(
        update(ConversationAnalysis)
        .where(ConversationAnalysis.conversation_id == conversation_id)
        .where(ConversationAnalysis.is_current.is_(True))
        .values(is_current=False)
    )
    analysis = ConversationAnalysis(
        conversation_id=conversation_id,
        is_current=True,
        analyzer=getattr(chosen, "last_used_name", chosen.name),
        analyzer_version=chosen.version,
        analyzed_at=now(),
        **result.model_dump(),
    )
    session.add(analysis)
    session.flush()
    return analysis


def _lock_conversation(session: Session, conversation_id: str) -> None:
    # Two workers analysing the same conversation (a retried job, a rerun) must
    # not both leave a current analysis behind.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT id FROM conversations WHERE id = :id FOR UPDATE"), {"id": conversation_id}
        )


def current_analysis(session: Session, conversation_id: str) -> ConversationAnalysis | None:
    return session.scalar(
        select(ConversationAnalysis)
        .where(ConversationAnalysis.conversation_id == conversation_id)
        .where(ConversationAnalysis.is_current.is_(True))
    )


def ended_conversation_ids(session: Session, since: datetime | None = None) -> list[str]:
    query = select(Conversation.id).where(Conversation.status == "ended").order_by(Conversation.started_at)
    if since is not None:
        query = query.where(Conversation.started_at >= since)
    return list(session.scalars(query))


def analysis_view(analysis: ConversationAnalysis | None) -> dict[str, object] | None:
    """API.md's `analytics` shape, or None until the conversation is analysed."""
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
