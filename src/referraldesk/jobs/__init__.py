"""Background jobs on huey: SQLite by default, Redis at scale.

Jobs take ids, not objects, are queued only after the transaction that made their
row commits, reload that row, and log and drop a record they cannot handle rather
than retrying it forever.
"""

from referraldesk.jobs import (
    audit_tasks,  # noqa: F401 - the audit checkpoint, every 10 minutes
    callback_tasks,  # noqa: F401 - calls back callback requests
    fhir_sync_tasks,  # noqa: F401 - reads back the EHR calendar
    idle_tasks,  # noqa: F401 - ends the conversations nobody ended
    outreach_tasks,  # noqa: F401 - registers the periodic jobs
    pdf_tasks,  # noqa: F401 - reads PDF referrals off the request
    retention_tasks,  # noqa: F401 - the nightly retention purge
    rollup_tasks,  # noqa: F401 - builds the Numbers page's missing days overnight
    sweeper,  # noqa: F401 - re-queues work a killed worker lost
)
from referraldesk.jobs.app import huey, queue_after_commit
from referraldesk.jobs.tasks import queue_analysis

__all__ = ["huey", "queue_after_commit", "queue_analysis"]
