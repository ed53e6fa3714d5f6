"""Which door handles a stored message: by the channel it came in on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.intake.csv_rows import process_csv_row
from referraldesk.intake.fhir.service import process_fhir
from referraldesk.intake.hl7.service import process_hl7
from referraldesk.intake.queue import Outcome
from referraldesk.models.intake import IntakeMessage


def process(session: Session, actor: Actor, message: IntakeMessage) -> Outcome:
    """Apply a stored message through the door of its channel."""
    if message.channel.startswith("hl7_"):
        return process_hl7(session, actor, message)
    if message.channel == "fhir":
        return process_fhir(session, actor, message)
    if message.channel == "csv":
        return process_csv_row(session, actor, message)
    raise InvalidArgument(f"messages from channel {message.channel!r} are not processed here "
                          "(PDF and fax intake is its own workflow)", field="channel")
