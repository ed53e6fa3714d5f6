"""The jobs themselves. Each reloads its row by id and survives a bad record."""

from __future__ import annotations

from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)


@huey.task(retries=3, retry_delay=10)
def analyze_conversation(conversation_id: str) -> None:
    """Score one ended conversation (sentiment, intent, summary ...)."""
    from referraldesk.analytics.service import analyze_and_store

    with session_scope() as session:
        analyze_and_store(session, conversation_id)
    log.info("conversation_analyzed", conversation_id=conversation_id)


def queue_analysis(conversation_id: str) -> None:
    """Queue the analysis of an ended conversation (call after its commit)."""
    analyze_conversation(conversation_id)
