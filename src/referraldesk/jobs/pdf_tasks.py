"""Reading PDF referrals off the request: the text layer, OCR and the fields.

A door keeps the file and answers at once; this job reads it with no database
transaction open while OCR runs. A periodic sweep fails the entries whose job a
killed worker lost, so none waits as `reading` forever; it does not queue them
again, so a file that kills the worker cannot do so in a loop.
"""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from sqlalchemy import select

from referraldesk.clock import now
from referraldesk.db.session import session_scope
from referraldesk.intake.facts import INTERNAL, Problem
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)

# Four pages at the OCR timeout each is two minutes; far past that, the job is lost.
LOST_AFTER_MINUTES = 15
SWEEP_BATCH = 200


@huey.task()
def read_pdf_message(message_id: str) -> None:
    """Read one kept PDF (does nothing for an entry that is no longer `reading`)."""
    from referraldesk.intake.pdf.service import read_stored_pdf

    status = read_stored_pdf(message_id)
    log.info("intake_pdf_job_done", intake_message_id=message_id, status=status)


def fail_lost_readings() -> list[str]:
    """Mark failed the PDFs still `reading` long after they came; return their ids."""
    from referraldesk.intake.queue import settle_failed
    from referraldesk.models.intake import READING, IntakeMessage

    cutoff = now() - timedelta(minutes=LOST_AFTER_MINUTES)
    problem = Problem("document", "the reading of this PDF did not finish (the job was lost "
                                  "or stopped); open the PDF and type the fields in", INTERNAL)
    with session_scope() as session:
        lost = session.scalars(
            select(IntakeMessage).where(IntakeMessage.status == READING)
            .where(IntakeMessage.received_at < cutoff)
            .order_by(IntakeMessage.received_at).limit(SWEEP_BATCH).with_for_update()
        ).all()
        for message in lost:
            settle_failed(message, [problem], str(problem))
        ids = [message.id for message in lost]
    if ids:
        log.warning("intake_pdf_readings_lost", count=len(ids))
    return ids


@huey.periodic_task(crontab(minute="*/5"))
def sweep_lost_pdf_readings() -> None:
    fail_lost_readings()
