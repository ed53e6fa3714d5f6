"""The nightly retention purge: transcripts and recordings past their configured days."""

from __future__ import annotations

from huey import crontab

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)

RETENTION_ACTOR = Actor(name="system:retention", role="system")
# One run handles at most this many batches; a first run over years of history
# finishes over several nights rather than holding the database for hours.
MAX_BATCHES_PER_RUN = 50


# 11:00 UTC is 03:00 or 04:00 in California, after the visit sync at 10:00.
@huey.periodic_task(crontab(hour="11", minute="0"))
def retention_purge() -> None:
    """Purge what is past retention; each batch commits on its own."""
    from referraldesk.rights.retention import RetentionPolicy, purge_expired

    policy = RetentionPolicy.from_settings()
    for _ in range(MAX_BATCHES_PER_RUN):
        with session_scope() as session:
            report = purge_expired(session, RETENTION_ACTOR, policy, max_batches=1)
        if not report.found_any:
            return
    log.info("retention_purge_continues_tomorrow", batches=MAX_BATCHES_PER_RUN)
