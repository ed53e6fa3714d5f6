"""The intake queue: every message kept whole, failures waiting for a person.

A door first `record`s the message (so even a crash while reading it loses
nothing), then `attempt`s to apply it inside a savepoint: a failure rolls back
whatever the message half-did and leaves the message `failed` with its error.
`replay` runs a failed message again, as it was or as a person corrected it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import Conflict, DomainError, InvalidArgument, NotFound
from referraldesk.intake.facts import (
    CONFLICT,
    INTERNAL,
    INVALID,
    NOT_FOUND,
    IntakeProblems,
    Problem,
)
from referraldesk.logging import get_logger
from referraldesk.models.intake import (
    APPLIED,
    FAILED,
    INTAKE_CHANNELS,
    INTAKE_STATUSES,
    PENDING,
    REPLAYED,
    IntakeMessage,
)

log = get_logger(__name__)

T = TypeVar("T")
_KIND_OF_ERROR = {"not_found": NOT_FOUND, "duplicate": CONFLICT, "conflict": CONFLICT,
                  "ambiguous": CONFLICT, "illegal_transition": CONFLICT}


@dataclass(frozen=True)
class Outcome:
    """What a door did with one message: the answer it gave and the referral it touched."""

    message: IntakeMessage
    applied: bool
    reply: str
    summary: str
    referral_id: str | None = None
    referral_status: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # For HTTP doors that answer with a status of their own (FHIR).
    http_status: int = 200
    location: str | None = None


def record(
    session: Session, actor: Actor, channel: str, body: str, content_type: str, *,
    sender: str | None = None, control_id: str | None = None, replay_of_id: str | None = None,
) -> IntakeMessage:
    """Store a message as received (status pending) and flush it."""
    if channel not in INTAKE_CHANNELS:
        raise InvalidArgument(f"intake channel {channel!r} is not one of "
                              f"{', '.join(INTAKE_CHANNELS)}", field="channel")
    message = IntakeMessage(channel=channel, body=body, content_type=content_type,
                            status=PENDING, sender=_clip(sender, 200),
                            control_id=_clip(control_id, 100), replay_of_id=replay_of_id)
    session.add(message)
    session.flush()
    trail.record(session, actor, "create", "intake_message", message.id,
                 reason=f"{channel} message received")
    log.info("intake_received", intake_message_id=message.id, channel=channel)
    return message


def attempt(session: Session, message: IntakeMessage, work: Callable[[], T]) -> T | list[Problem]:
    """Run `work` in a savepoint; return its result, or the problems that stopped it.

    The savepoint is rolled back on any failure, so a half-applied message leaves
    no patient or referral behind; the message row itself stays.
    """
    try:
        with session.begin_nested():
            return work()
    except IntakeProblems as exc:
        return exc.problems
    except DomainError as exc:
        return [Problem(exc.field or "message", exc.message, _KIND_OF_ERROR.get(exc.code, INVALID))]
    except Exception as exc:  # protects the queue: any bug still leaves the message kept
        # No traceback: its messages may quote the message's patient data.
        log.error("intake_internal_error", intake_message_id=message.id,
                  error=type(exc).__name__)
        return [Problem("message", f"internal error ({type(exc).__name__}) while applying the "
                                   "message; it is kept in the intake queue for replay", INTERNAL)]


def settle_applied(message: IntakeMessage, referral_id: str | None, reply: str) -> None:
    message.status, message.referral_id, message.reply, message.error = (
        APPLIED, referral_id, reply, None)


def settle_failed(message: IntakeMessage, problems: list[Problem], reply: str) -> None:
    message.status, message.reply = FAILED, reply
    message.error = "\n".join(str(problem) for problem in problems)
    log.info("intake_failed", intake_message_id=message.id, problems=len(problems))


def list_failed(session: Session) -> list[IntakeMessage]:
    """Messages waiting for a person: failed and not yet replayed, oldest first."""
    return list(session.scalars(
        select(IntakeMessage).where(IntakeMessage.status == FAILED)
        .order_by(IntakeMessage.received_at, IntakeMessage.id)
    ).all())


def list_messages(session: Session, *, status: str | None = None, channel: str | None = None,
                  limit: int = 50, offset: int = 0) -> list[IntakeMessage]:
    """Messages newest first, of one status and channel when given (InvalidArgument if unknown)."""
    query = select(IntakeMessage)
    if status is not None:
        if status not in INTAKE_STATUSES:
            raise InvalidArgument(f"intake status {status!r} is not one of "
                                  f"{', '.join(INTAKE_STATUSES)}", field="status")
        query = query.where(IntakeMessage.status == status)
    if channel is not None:
        if channel not in INTAKE_CHANNELS:
            raise InvalidArgument(f"intake channel {channel!r} is not one of "
                                  f"{', '.join(INTAKE_CHANNELS)}", field="channel")
        query = query.where(IntakeMessage.channel == channel)
    query = query.order_by(IntakeMessage.received_at.desc(), IntakeMessage.id)
    return list(session.scalars(query.offset(offset).limit(limit)).all())


def get_message(session: Session, message_id: str) -> IntakeMessage:
    message = session.get(IntakeMessage, message_id)
    if message is None:
        raise NotFound(f"no intake message with id {message_id!r}", field="message_id")
    return message


def replay(
    session: Session, actor: Actor, message_id: str, corrected_body: str | None = None
) -> Outcome:
    """Run a failed message again, as it was or with `corrected_body` a person fixed.

    The original stays as received (status replayed); the new attempt is a new
    message pointing back at it, applied or failed in its turn. Raises Conflict for
    a message that is not failed (an applied one would be applied twice).
    """
    original = get_message(session, message_id)
    if original.status not in (FAILED, PENDING):
        raise Conflict(f"intake message {message_id} is {original.status}; only a failed "
                       "message can be replayed", field="message_id")
    # The doors import this module; the queue reaches them only to replay.
    from referraldesk.intake.doors import process

    body = original.body if corrected_body is None else corrected_body
    retry = record(session, actor, original.channel, body, original.content_type,
                   sender=original.sender, control_id=original.control_id,
                   replay_of_id=original.id)
    original.status = REPLAYED
    trail.record(session, actor, "update", "intake_message", original.id,
                 reason=f"replayed as {retry.id}" + (" with a corrected body"
                                                     if corrected_body is not None else ""))
    outcome = process(session, actor, retry)
    log.info("intake_replayed", intake_message_id=original.id, retry_id=retry.id,
             applied=outcome.applied)
    return outcome


def _clip(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else None
