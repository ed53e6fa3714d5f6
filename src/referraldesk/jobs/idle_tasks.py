"""End the conversations nobody ended.

A web chat whose tab was closed, a text thread the patient stopped answering and a call
whose status callback never came all stay `active`: no outcome, no analysis, and the
retention purge, which takes only ended conversations, would keep their transcripts
for ever. Once an hour this job ends every conversation quiet for longer than a text
thread stays open; ending queues its analysis, and retention takes it from there.
"""

from __future__ import annotations

from datetime import timedelta

from huey import crontab

from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)

# Conversations ended per transaction, and transactions per run: a first run over a
# long backlog finishes over several hours rather than holding one huge transaction.
IDLE_BATCH = 200
MAX_BATCHES_PER_RUN = 25


def idle_after() -> timedelta:
    """How long a conversation may be quiet before it is ended.

    A text thread stays open this long for the patient's reply (`continue_text_thread`);
    ending it sooner would cut a late "1" off the outreach text it answers. Chats and
    calls lose nothing by waiting as long.
    """
    # Imported here: the runtime loads the brains and the tool catalog, which the
    # worker needs only when this job runs.
    from referraldesk.conversation.runtime import TEXT_THREAD_IDLE

    return TEXT_THREAD_IDLE


def end_idle_batches(idle: timedelta, *, batch: int = IDLE_BATCH,
                     max_batches: int = MAX_BATCHES_PER_RUN) -> list[str]:
    """End conversations idle longer than `idle`, a batch per transaction; their ids."""
    from referraldesk.conversation import runtime

    ended: list[str] = []
    for _ in range(max_batches):
        # Each batch commits on its own, and its conversations' analyses are queued then.
        with session_scope() as session:
            done = runtime.end_idle_conversations(session, idle=idle, limit=batch)
        ended.extend(done)
        if len(done) < batch:
            break
    else:
        log.info("idle_conversations_continue_next_run", batches=max_batches)
    if ended:
        log.info("idle_conversations_ended", count=len(ended))
    return ended


# Minute 20 of each hour: clear of the outreach rounds' quarter hours and of the nightly
# jobs on the hour.
@huey.periodic_task(crontab(minute="20"))
def end_idle_conversations() -> None:
    """End every conversation quiet for longer than `idle_after()`; analyses follow."""
    end_idle_batches(idle_after())
