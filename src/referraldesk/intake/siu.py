"""The HL7 v2 scheduling feed: SIU messages in, on the same doors as referrals.

`process_hl7` hands a message here when MSH-9 says SIU, whatever transport brought it
(HTTP, MLLP, a file). The message is already kept in the intake queue; it is applied
in a savepoint and answered with an ACK: AA applied (or already applied: MSA-3 says
"unchanged"), AE when it cannot be applied (a clash with a booking here, an unknown
provider), AR when it is not a schedule event we take. A failed one waits for replay.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.intake.hl7.ack import (
    ACCEPT,
    OUR_APPLICATION,
    ack_code_for,
    ack_context,
    build_ack,
)
from referraldesk.intake.hl7.framing import segments_of
from referraldesk.intake.hl7.message import read_message
from referraldesk.intake.queue import Outcome, attempt, settle_applied, settle_failed
from referraldesk.intake.siu_apply import ScheduleApplied, apply_schedule
from referraldesk.intake.siu_read import schedule_facts
from referraldesk.models.intake import IntakeMessage


def is_schedule_message(body: str) -> bool:
    """Whether the raw message's MSH-9 names an SIU event (read before any parsing)."""
    segments = segments_of(body)
    msh = segments[0] if segments and segments[0].startswith("MSH") else ""
    if len(msh) < 4:
        return False
    fields = msh.split(msh[3])
    return len(fields) > 8 and fields[8].strip().upper().startswith("SIU")


def process_siu(session: Session, actor: Actor, message: IntakeMessage) -> Outcome:
    """Apply a stored SIU message (first time or replay), settle it and return the ACK."""
    context = ack_context(message.body)
    result = attempt(session, message, lambda: _apply(session, actor, message))
    if isinstance(result, list):
        code = ack_code_for(result)
        summary = "; ".join(str(problem) for problem in result)
        reply = build_ack(context, code, summary, result)
        settle_failed(message, result, reply)
        return Outcome(message, applied=False, reply=reply, summary=summary, problems=result)
    summary = result.describe()
    reply = build_ack(context, ACCEPT, summary)
    referral = result.referral
    settle_applied(message, referral.id if referral else None, reply)
    return Outcome(message, applied=True, reply=reply, summary=summary,
                   referral_id=referral.id if referral else None,
                   referral_status=referral.status if referral else None)


def _apply(session: Session, actor: Actor, message: IntakeMessage) -> ScheduleApplied:
    facts = schedule_facts(read_message(message.body), OUR_APPLICATION)
    return apply_schedule(session, actor, facts)

