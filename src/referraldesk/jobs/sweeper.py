"""Queue again the analyses a killed worker lost.

huey on Redis removes a job from the queue when a worker takes it; if that worker
dies mid-job (a deploy, the OOM killer, a lost machine) the job is gone. An ended
conversation without a current analysis some minutes after it ended is exactly
that lost work, so a periodic sweep finds such conversations and queues them again.
The analysis job does nothing for a conversation that already has one, so a sweep
racing a slow worker costs a lookup, not a second analysis.
"""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.jobs.tasks import queue_analysis
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, ConversationAnalysis
from referraldesk.settings import get_settings

log = get_logger(__name__)

# Bounded so a backlog (a day without workers) drains over several sweeps.
SWEEP_BATCH = 500


def unanalysed_conversations(session: Session, ended_before_minutes: int) -> list[str]:
    """Ids of conversations ended more than that many minutes ago with no current analysis."""
    analysed = exists().where(
        ConversationAnalysis.conversation_id == Conversation.id,
        ConversationAnalysis.is_current.is_(True),
    )
    query = (
        select(Conversation.id)
        .where(Conversation.status == "ended")
        .where(Conversation.ended_at < now() - timedelta(minutes=ended_before_minutes))
        .where(~analysed)
        .order_by(Conversation.ended_at)
        .limit(SWEEP_BATCH)
    )
    return list(session.scalars(query))


def sweep_lost_analyses() -> list[str]:
    """Queue the analysis of every conversation that lost its job; return their ids."""
    with session_scope() as session:
        ids = unanalysed_conversations(session, get_settings().analysis_sweep_after_minutes)
    for conversation_id in ids:
        queue_analysis(conversation_id)
    if ids:
        log.info("lost_analyses_requeued", count=len(ids))
    return ids


@huey.periodic_task(crontab(minute="*/5"))
def sweep_lost_jobs() -> None:
    """Every five minutes: queue again the work whose result is missing."""
    sweep_lost_analyses()
