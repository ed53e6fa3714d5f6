"""How a call leaves the agent: hang up after the last words, or ring the staff line.

A transfer rings the staff line only while the desk is open; staff hear a whisper with
the reason first. After hours, or when the line is busy, not answered or fails, the
transfer's staff task becomes a callback request on the worklist and the caller is
told so. An emergency or an ending turn hangs up after its words (the 911 instruction
has already been said first by the engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.conversation.outcomes import merge_outcome
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, StaffTask
from referraldesk.voice import hours, tasks
from referraldesk.voice.calls import VoiceTurn
from referraldesk.voice.phrases import WHISPER, line

log = get_logger(__name__)

# Twilio's DialCallStatus: https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values
CONNECTED = frozenset({"completed", "answered"})


@dataclass(frozen=True)
class Handoff:
    """What the phone does after the last agent turn: `dial` the staff line or `hang_up`.

    The words said first are `reply` (the engine's last turn, `seq` its number) and
    then the phone's own `closing` line, if any.
    """

    kind: Literal["dial", "hang_up"]
    language: str
    reply: str = ""
    seq: int | None = None
    closing: str | None = None
    number: str | None = None
    task_id: str | None = None

    @property
    def words(self) -> str:
        closing = line(self.closing, self.language) if self.closing else ""
        return " ".join(part for part in (self.reply, closing) if part)


def after_turn(session: Session, conversation: Conversation, played: VoiceTurn) -> Handoff | None:
    """The handoff an ending turn asks for; None while the conversation goes on."""
    transfer = played.action("transfer")
    if transfer is not None:
        task_id = transfer.extra.get("task_id")
        return transfer_call(session, conversation, played, task_id, transfer.to)
    if played.ends_call:
        return Handoff("hang_up", played.language, played.spoken, played.seq)
    return None


def transfer_call(
    session: Session,
    conversation: Conversation,
    played: VoiceTurn | None,
    task_id: str | None,
    number: str | None = None,
) -> Handoff:
    """Ring staff in office hours; otherwise leave a callback request and say so.

    `played` is the turn announcing the transfer (None: the phone decided, on silence).
    """
    language = played.language if played is not None else conversation.language
    line_number = number or hours.staff_line(session)
    if line_number and hours.desk_open(session, now()):
        return Handoff(
            "dial",
            language,
            played.spoken if played is not None else "",
            played.seq if played is not None else None,
            closing=None if played is not None else "connecting",
            number=line_number,
            task_id=task_id,
        )
    # After hours the engine's "connecting you now" would be wrong: the closing replaces it.
    callback = _callback(session, conversation, task_id, "after_hours")
    closing = "closed_callback" if callback.callback_phone else "closed_no_number"
    log.info("transfer_after_hours", conversation_id=conversation.id, task_id=callback.id)
    return Handoff("hang_up", language, closing=closing, task_id=callback.id)


def dial_finished(
    session: Session, conversation: Conversation | None, task_id: str | None, status: str
) -> Handoff:
    """Twilio's <Dial> action: connected closes the task, anything else asks for a callback.

    `conversation` is None on a call the agent did not answer (a callback put through
    to staff): the closing is then in the language of the call that asked for it.
    """
    language = (
        conversation.language if conversation is not None else _task_language(session, task_id)
    )
    log.info(
        "transfer_finished",
        conversation_id=conversation.id if conversation is not None else None,
        task_id=task_id,
        dial_status=status,
    )
    if status in CONNECTED:
        tasks.close(session, task_id)
        if conversation is not None:
            mark_transferred(session, conversation, "transfer answered by staff")
        return Handoff("hang_up", language, task_id=task_id)
    why = f"dial_{status or 'unknown'}"
    if conversation is not None:
        _callback(session, conversation, task_id, why)
        outcome = f"transfer {status or 'unknown'}: callback requested"
        mark_transferred(session, conversation, outcome)
    else:
        tasks.to_callback(session, task_id, why)
    return Handoff("hang_up", language, closing="dial_failed", task_id=task_id)


def mark_transferred(session: Session, conversation: Conversation, reason: str) -> None:
    """The call went to people: outcome `transferred` (unless a stronger one stands).

    The phone decides some transfers itself (silence, the Dial's result), without an
    engine turn to report the outcome; `reason` names how it ended, never caller data.
    """
    kept = merge_outcome(conversation.outcome, "transferred")
    if kept == "transferred":
        conversation.outcome, conversation.outcome_reason = kept, reason[:300]
    session.flush()


def whisper_words(session: Session, task_id: str | None) -> str:
    """What staff hear before the caller is connected: the task's reason, no record data."""
    task = session.get(StaffTask, task_id) if task_id else None
    reason = task.reason if task is not None else "the caller asked for a person"
    return WHISPER.format(reason=reason)


def _task_language(session: Session, task_id: str | None) -> str:
    task = session.get(StaffTask, task_id) if task_id else None
    earlier = (
        session.get(Conversation, task.conversation_id) if task and task.conversation_id else None
    )
    return earlier.language if earlier is not None else "en"


def _callback(
    session: Session, conversation: Conversation, task_id: str | None, why: str
) -> StaffTask:
    task = tasks.to_callback(session, task_id, why)
    if task is not None:
        return task
    return tasks.open_callback(
        session,
        conversation_id=conversation.id,
        patient_id=conversation.patient_id,
        phone=conversation.caller_phone,
        why=why,
    )
