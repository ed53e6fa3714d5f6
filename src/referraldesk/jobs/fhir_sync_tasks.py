"""The periodic read-back of the practice's EHR calendar (FHIR backend only).

Like every periodic job here it runs once per tick across all workers (jobs/periodic.py
claims the tick). It opens its own short transactions: the reads go over the network
between them.
"""

from __future__ import annotations

from huey import crontab

from referraldesk.jobs.app import huey


# Every ten minutes: a visit cancelled in the EHR reaches outreach well within the hour.
@huey.periodic_task(crontab(minute="*/10"))
def sync_fhir_calendar() -> None:
    """Apply cancellations, moves, kept visits and no-shows recorded in the EHR."""
    from referraldesk.scheduling.backends.fhir_sync import sync_from_ehr

    sync_from_ehr()
