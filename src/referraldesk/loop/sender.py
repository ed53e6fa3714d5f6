"""Send the due messages of the outbox, retrying with back-off until acknowledged.

Back-off: 5 minutes after the first failure, doubling up to 12 hours; after
`MAX_ATTEMPTS` tries (about four days) the message is marked failed for a person.
Messages of one referral go in the order they were written: a later one waits
while an earlier one is still pending, so a referrer never hears "scheduled"
before "accepted".

The sender is the job's body and owns its transactions: it commits the session it
is given as it goes. Each message is claimed in a short transaction of its own (the
try counted, `next_attempt_at` pushed `SEND_LEASE` ahead, so no other worker takes
it) and committed before it is delivered; the result is committed after. No
transaction stays open while a referrer's server is slow to answer. A worker killed
mid-delivery leaves the message pending, due again when the lease runs out: it is
sent a second time, on purpose. That is safe because the bytes are the same, with
the same control id (HL7 MSH-10, the FHIR Task id), which the receiver recognises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from referraldesk.clock import now as clock_now
from referraldesk.logging import get_logger
from referraldesk.loop.outbox import SENDABLE_PROTOCOLS
from referraldesk.loop.transports import ACKED, FAILED, Delivery, Transport, default_transports
from referraldesk.models import OutboundMessage, ReferringPractice

log = get_logger(__name__)

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=12)
MAX_ATTEMPTS = 14
BATCH = 200
# Longer than any transport's timeout: a claim this old belongs to a stopped worker.
SEND_LEASE = timedelta(minutes=5)


@dataclass
class SendReport:
    acked: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    """A message taken for one try, with where it goes."""

    message: OutboundMessage
    endpoint: str | None
    carrier: Transport | None


def send_due(
    session: Session,
    *,
    now: datetime | None = None,
    transports: dict[str, Transport] | None = None,
) -> SendReport:
    """Try every pending message whose time has come, each in transactions of its own.

    Commits `session` as it goes (see the module's docstring).
    """
    at = now or clock_now()
    carriers = transports or default_transports()
    report = SendReport()
    due = _due_ids(session, at)
    session.commit()
    for message_id in due:
        try:
            _send_one(session, message_id, carriers, at, report)
        except Exception as exc:  # protects the batch: one bad row is logged and left for later
            session.rollback()
            log.error(
                "outbound_send_crashed", outbound_message_id=message_id, error=type(exc).__name__
            )
    return report


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    delay = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


def _due_ids(session: Session, at: datetime) -> list[str]:
    return list(session.scalars(_due(at).with_only_columns(OutboundMessage.id).limit(BATCH)))


def _due(at: datetime) -> Select[OutboundMessage]:
    return (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == "pending",
            OutboundMessage.protocol.in_(SENDABLE_PROTOCOLS),
            OutboundMessage.next_attempt_at <= at,
        )
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
    )


def _send_one(
    session: Session,
    message_id: str,
    carriers: dict[str, Transport],
    at: datetime,
    report: SendReport,
) -> None:
    message = _lock_if_due(session, message_id, at)
    if message is None:  # another worker holds it, or it was sent since the list was read
        session.commit()
        return
    if _earlier_pending(session, message):
        session.commit()
        report.waiting.append(message_id)
        return
    practice = session.get(ReferringPractice, message.practice_id)
    endpoint = practice.endpoint if practice else None
    _claim(message, at)
    session.commit()  # the try is on record before the referrer hears anything
    delivery = _deliver(message, endpoint, carriers.get(message.protocol))
    _record(session, message_id, delivery, at, report)
    session.commit()


def _lock_if_due(session: Session, message_id: str, at: datetime) -> OutboundMessage | None:
    query = _due(at).where(OutboundMessage.id == message_id)
    if _is_postgres(session):
        # Race: two workers sending the same batch would deliver each message twice;
        # one that is being claimed elsewhere is skipped, not waited for.
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query.execution_options(populate_existing=True)).first()


def _earlier_pending(session: Session, message: OutboundMessage) -> bool:
    earlier = session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.referral_id == message.referral_id,
            OutboundMessage.practice_id == message.practice_id,
            OutboundMessage.status == "pending",
            OutboundMessage.protocol.in_(SENDABLE_PROTOCOLS),
            OutboundMessage.created_at < message.created_at,
        )
        .limit(1)
    )
    return earlier is not None


def _claim(message: OutboundMessage, at: datetime) -> None:
    message.attempts += 1
    message.sent_at = message.sent_at or at
    message.next_attempt_at = at + SEND_LEASE


def _deliver(message: OutboundMessage, endpoint: str | None, carrier: Transport | None) -> Delivery:
    if not endpoint or carrier is None:
        return Delivery(
            FAILED,
            f"referring practice has no endpoint for {message.protocol}; "
            "set one in the practice file",
        )
    return carrier.deliver(message, endpoint)


def _record(
    session: Session, message_id: str, delivery: Delivery, at: datetime, report: SendReport
) -> None:
    message = session.get(
        OutboundMessage, message_id, populate_existing=True, with_for_update=_is_postgres(session)
    )
    if message is None or message.status != "pending":
        # Changed while on its way (the patient's data erased): that decision stands.
        return
    message.last_error = delivery.detail[:500] if delivery.detail else None
    if delivery.outcome == ACKED:
        message.status, message.acked_at, message.next_attempt_at = "acked", at, None
    elif delivery.outcome == FAILED or message.attempts >= MAX_ATTEMPTS:
        message.status, message.next_attempt_at = "failed", None
    else:
        message.next_attempt_at = at + backoff(message.attempts)
    outcomes = {"acked": report.acked, "failed": report.failed}
    outcomes.get(message.status, report.retrying).append(message.id)
    log.info(
        "outbound_attempt",
        outbound_message_id=message.id,
        referral_id=message.referral_id,
        outcome=delivery.outcome,
        attempts=message.attempts,
    )


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
