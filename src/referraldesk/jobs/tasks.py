"""The jobs themselves. Each reloads its row by id and survives a bad record.

huey on Redis takes a job off the queue before running it, with no acknowledgement:
a worker killed mid-job loses that job. So every job here may safely run twice (a
sweeper queues again the work whose result is missing), and does nothing the
second time.
"""

from __future__ import annotations

from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger
from referraldesk.models import Conversation

log = get_logger(__name__)


@huey.task(retries=3, retry_delay=10)
def analyze_conversation(conversation_id: str) -> None:
    """Score one ended conversation (sentiment, intent, summary ...), once."""
    from referraldesk.analytics.service import analyze_and_store, current_analysis

    with session_scope() as session:
        # Locked first, so of two runs of this job (a sweep racing a slow worker)
        # the second waits for the first and then finds its analysis.
        conversation = session.get(Conversation, conversation_id, with_for_update=True)
        if conversation is None:
            log.warning("analysis_of_unknown_conversation", conversation_id=conversation_id)
            return
        if current_analysis(session, conversation_id) is not None:
            log.info("conversation_analysis_exists", conversation_id=conversation_id)
            return
        analyze_and_store(session, conversation_id)
    log.info("conversation_analyzed", conversation_id=conversation_id)


def queue_analysis(conversation_id: str) -> None:
    """Queue the analysis of an ended conversation (call after its commit)."""
    analyze_conversation(conversation_id)
