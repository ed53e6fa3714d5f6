"""Read a stored conversation into the facts an analyzer works from."""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.analytics.schema import ConversationFacts, ToolUse
from referraldesk.errors import NotFound
from referraldesk.models import Conversation, Practice


def load_facts(session: Session, conversation_id: str) -> ConversationFacts:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    caller_turns = [t for t in conversation.turns if t.speaker == "caller"]
    practice = session.query(Practice).first()
    ended = conversation.ended_at or conversation.last_activity_at
    return ConversationFacts(
        conversation_id=conversation.id,
        channel=conversation.channel,
        direction=conversation.direction,
        language=conversation.language,
        outcome=conversation.outcome,
        outcome_reason=conversation.outcome_reason,
        caller_texts=[t.text for t in caller_turns],
        caller_languages=[t.language or conversation.language for t in caller_turns],
        agent_texts=[t.text for t in conversation.turns if t.speaker == "agent"],
        tools=[ToolUse(c.name, c.error_code is None, c.error_code) for c in conversation.tool_calls],
        failed_verifications=conversation.failed_verifications,
        has_referral=conversation.referral_id is not None
        or any(c.name == "get_patient_referrals" and _found_referral(c.result) for c in conversation.tool_calls),
        duration_seconds=(ended - conversation.started_at).total_seconds(),
        practice_language=(practice.languages[0] if practice and practice.languages else "en"),
    )


def _found_referral(result: dict | None) -> bool:  # type: ignore[type-arg]
    if not result:
        return False
    referrals = result.get("referrals")
    return bool(referrals)
