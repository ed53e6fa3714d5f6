"""The audit checkpoint job: keep the checkpoint of the chain's head close behind it.

Records cut off the end of the audit trail are caught only back to the checkpoint
(`audit/checkpoint.py`); between two runs of this job, a cut could go unseen. Every
10 minutes keeps that window short, and each run reads only the records added since
the last one. Periodic tasks are claimed once per tick across all workers
(`jobs/periodic.py`), so one worker runs it.
"""

from __future__ import annotations

from huey import crontab

from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)


@huey.periodic_task(crontab(minute="*/10"))
def audit_checkpoint() -> None:
    """Check the records added since the checkpoint, and move it to the newest of them."""
    from referraldesk.audit import checkpoint

    try:
        with session_scope() as session:
            report = checkpoint.advance(session)
    except checkpoint.CheckpointError:
        # Not overwritten: a person finds out why, then `audit verify --reset-checkpoint`.
        log.error("audit_checkpoint_distrusted", fix="run `referraldesk audit verify`")
        return
    if report.problems:
        log.error(
            "audit_trail_broken",
            problems=len(report.problems),
            first_seq=report.problems[0].seq,
            fix="run `referraldesk audit verify`",
        )
        return
    head = report.head.seq if report.head else None
    log.info("audit_checkpoint_advanced", seq=head, records_checked=report.records)
