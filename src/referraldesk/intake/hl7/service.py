"""HL7 v2 intake: store the message, apply it, answer with an ACK.

Every transport (HTTP, MLLP, files) comes through `receive_hl7`; only the channel
recorded on the message differs.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.intake.apply import Applied, apply_facts
from referraldesk.intake.facts import Problem
from referraldesk.intake.hl7.ack import (
    ACCEPT,
    AckContext,
    ack_code_for,
    ack_context,
    build_ack,
)
from referraldesk.intake.hl7.mapping import referral_facts
from referraldesk.intake.hl7.message import read_message
from referraldesk.intake.queue import Outcome, attempt, record, settle_applied, settle_failed
from referraldesk.intake.siu import is_schedule_message, process_siu
from referraldesk.models.intake import IntakeMessage

CONTENT_TYPE = "x-application/hl7-v2+er7"


def receive_hl7(session: Session, actor: Actor, body: str, *, channel: str) -> Outcome:
    """Keep one HL7 v2 message in the queue, apply it and return the ACK to send back."""
    context = ack_context(body)
    sender = "|".join(part for part in (context.sending_application, context.sending_facility)
                      if part)
    message = record(session, actor, channel, body, CONTENT_TYPE, sender=sender or None,
                     control_id=context.control_id or None)
    return process_hl7(session, actor, message)


def process_hl7(session: Session, actor: Actor, message: IntakeMessage) -> Outcome:
    """Apply a stored HL7 v2 message (first time or replay) and settle it."""
    if is_schedule_message(message.body):
        return process_siu(session, actor, message)
    context = ack_context(message.body)
    result = attempt(session, message, lambda: _apply(session, actor, message))
    if isinstance(result, list):
        return _failed(message, context, result)
    summary = result.describe()
    reply = build_ack(context, ACCEPT, summary)
    settle_applied(message, result.referral.id, reply)
    return Outcome(message, applied=True, reply=reply, summary=summary,
                   referral_id=result.referral.id,
                   referral_status=result.referral.status)


def _apply(session: Session, actor: Actor, message: IntakeMessage) -> Applied:
    facts = referral_facts(read_message(message.body))
    return apply_facts(session, actor, facts, source="hl7", message_id=message.id)


def _failed(message: IntakeMessage, context: AckContext, problems: list[Problem]) -> Outcome:
    code = ack_code_for(problems)
    summary = "; ".join(str(problem) for problem in problems)
    reply = build_ack(context, code, summary, problems)
    settle_failed(message, problems, reply)
    return Outcome(message, applied=False, reply=reply, summary=summary, problems=problems)
