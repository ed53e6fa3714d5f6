"""When the caller says nothing: reprompt twice, then offer a person, then connect one.

The engine handles answers it cannot use (it offers a person instead of asking the
same thing a third time); silence never reaches it, because there is no text to read.
The count of silences in a row travels with the call (the Gather's action URL, or the
relay connection), so a retried webhook gets the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from referraldesk.logging import get_logger
from referraldesk.models import Conversation
from referraldesk.tools import ToolContext, catalog
from referraldesk.voice import calls
from referraldesk.voice.handoff import Handoff, mark_transferred, transfer_call
from referraldesk.voice.phrases import line

log = get_logger(__name__)

REPROMPTS = 2
# The silence after the offer of a person: connect one.
TRANSFER_AT = REPROMPTS + 2


@dataclass(frozen=True)
class SilenceStep:
    """What to say after `count` silences in a row, or the handoff to a person."""

    count: int
    played: calls.VoiceTurn
    spoken: str
    handoff: Handoff | None = None


def on_silence(session: Session, conversation: Conversation, count: int) -> SilenceStep:
    """React to the `count`-th silence in a row (1-based) after the last agent turn."""
    last = calls.current(session, conversation.id)
    language = last.language
    log.info("caller_silent", conversation_id=conversation.id, count=count)
    if count <= REPROMPTS:
        return SilenceStep(count, last, f"{line('silence', language)} {last.spoken}")
    if count < TRANSFER_AT:
        return SilenceStep(count, last, line("offer_person", language))
    task_id = _transfer_task(session, conversation, language, last.seq)
    handoff = transfer_call(session, conversation, None, task_id)
    mark_transferred(session, conversation, "caller silent on the line")
    return SilenceStep(count, last, handoff.words, handoff)


def _transfer_task(
    session: Session, conversation: Conversation, language: str, seq: int
) -> str | None:
    context = ToolContext.for_agent(
        conversation.id,
        calls.CHANNEL,
        language,
        verified_patient_id=conversation.patient_id,
        caller_phone=conversation.caller_phone,
    )
    outcome = catalog.call(
        session,
        context,
        "transfer_to_staff",
        {
            "reason": "caller silent on the line",
            "urgency": "routine",
            "summary": f"The caller stopped answering on the phone. Language: {language}.",
        },
        # A retried webhook must not open a second task for the same silence.
        idempotency_key=f"{conversation.external_id}:{seq}:silence",
    )
    data = outcome.data or {}
    return str(data["task_id"]) if outcome.ok and data.get("task_id") else None
