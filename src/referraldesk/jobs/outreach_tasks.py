"""Periodic jobs of outreach and loop closure.

Each works through ids; the services underneath keep one bad record from stopping
the rest. Outreach and the outbox commit as they go (each contact is written down
before it is made, see `outreach.service`), so they get a plain session, not one
unit of work. Times are UTC (the huey instance is `utc=True`).
"""

from __future__ import annotations

from huey import crontab

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory, session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)

JOB_ACTOR = Actor(name="system:visit_sync", role="system")


@huey.periodic_task(crontab(minute="*/15"))
def outreach_round() -> None:
    """Text and call the patients who are due, inside their calling hours."""
    from referraldesk.outreach.service import run_outreach

    with session_factory()() as session:
        run_outreach(session)


@huey.periodic_task(crontab(minute="*/5"))
def send_outbox() -> None:
    """Deliver the messages to referring practices whose time has come."""
    from referraldesk.loop.sender import send_due

    with session_factory()() as session:
        report = send_due(session)
    log.info(
        "outbox_sent",
        acked=len(report.acked),
        retrying=len(report.retrying),
        failed=len(report.failed),
    )


# 10:00 UTC is 02:00 or 03:00 in California: after every visit of the day is over.
@huey.periodic_task(crontab(hour="10", minute="0"))
def nightly_visit_sync() -> None:
    """Move scheduled referrals whose appointment was fulfilled or missed."""
    from referraldesk.loop.visits import sync_visits

    with session_scope() as session:
        sync_visits(session, JOB_ACTOR)


@huey.periodic_task(crontab(minute="*/5"))
def send_schedule_feed() -> None:
    """Deliver the SIU messages due to the practice-management system."""
    from referraldesk.loop.schedule_feed import send_schedule_feed as send

    with session_scope() as session:
        report = send(session)
    log.info("schedule_feed_sent", acked=len(report.acked), retrying=len(report.retrying),
             failed=len(report.failed))
