"""The nightly roll-up of the Numbers page: yesterday and any day a change dropped.

The page builds a missing day itself when someone looks (analytics/rollup_store.py),
so this job only saves the first visitor of the morning the wait: after an install or
a bulk change (retention, erasure) that is a year of days, seconds of work.
"""

from __future__ import annotations

from datetime import timedelta

from huey import crontab

from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)

# The longest range the page offers in one view, and a little more.
DAYS_KEPT_WARM = 400


# 11:30 UTC is 03:30 or 04:30 in California: after the retention purge at 11:00.
@huey.periodic_task(crontab(hour="11", minute="30"))
def rollup_warm() -> None:
    """Build every missing past day of the last DAYS_KEPT_WARM in the practice's zone."""
    warm_rollup()


def warm_rollup() -> int:
    from referraldesk.admin.deps import practice_zone
    from referraldesk.analytics.rollup_store import build_missing, local_today

    with session_scope() as session:
        zone = practice_zone(session)
        yesterday = local_today(zone) - timedelta(days=1)
        built = build_missing(session, yesterday - timedelta(days=DAYS_KEPT_WARM - 1),
                              yesterday, zone)
    log.info("rollup_warmed", zone=zone, days_built=built)
    return built
