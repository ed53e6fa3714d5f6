"""The outbox when a worker dies mid-delivery: the try is on record before the referrer
hears anything, and the message goes again, byte for byte, once its lease runs out.

A kill is played by a transport that delivers and then raises `WorkerKilled`, which
nothing in the sender catches; the sender's open transaction dies with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from tests.outreach.support import FakeMllp, outbox, refer, register

from referraldesk.db.session import session_factory
from referraldesk.loop.sender import SendReport, send_due
from referraldesk.loop.transports import Delivery, MllpTransport, Sendable, Transport
from referraldesk.models import OutboundMessage

Freeze = Callable[[datetime | str], datetime]
NOW = "2026-07-15T17:00:00+00:00"
ROSA_PHONE = "+15595550144"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no handler in the sender catches it."""


@dataclass
class DiesAfterDelivering:
    """Delivers through `transport`, then fails before the answer is recorded.

    `only_for` limits the failure to one control id; `failure` is what is raised.
    """

    transport: Transport
    only_for: str | None = None
    failure: type[BaseException] = WorkerKilled

    def deliver(self, message: Sendable, endpoint: str) -> Delivery:
        delivery = self.transport.deliver(message, endpoint)
        if self.only_for in (None, message.control_id):
            raise self.failure("the worker stopped after the message went out")
        return delivery


@dataclass
class LooksWhileDelivering:
    """Delivers through `transport`; first reads the message in a session of its own."""

    transport: Transport
    engine: Engine
    seen: list[tuple[str, int]] = field(default_factory=list)

    def deliver(self, message: Sendable, endpoint: str) -> Delivery:
        with session_factory(self.engine)() as other:
            stored = other.query(OutboundMessage).filter_by(control_id=message.control_id).one()
            self.seen.append((stored.status, stored.attempts))
        return self.transport.deliver(message, endpoint)


def referred(engine: Engine, **patient: str) -> str:
    with session_factory(engine)() as session:
        referral = refer(session, register(session, **patient))
        session.commit()
        return referral.id


def sent_at(engine: Engine, instant: datetime, transport: Transport) -> SendReport:
    with session_factory(engine)() as session:
        return send_due(session, now=instant, transports={"hl7_mllp": transport})


def killed_at(engine: Engine, instant: datetime, transport: Transport) -> None:
    # Leaving the block closes the session: what it had not committed is gone.
    with session_factory(engine)() as session, pytest.raises(WorkerKilled):
        send_due(session, now=instant, transports={"hl7_mllp": transport})


def message_of(engine: Engine, referral_id: str) -> OutboundMessage:
    with session_factory(engine)() as session:
        [message] = outbox(session, referral_id)
        return message


def test_a_message_whose_worker_died_mid_delivery_goes_again_after_its_lease(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(NOW)
    referral_id = referred(engine)
    listener = FakeMllp(codes=["AA"])

    killed_at(engine, start, DiesAfterDelivering(MllpTransport(connect=listener)))
    claimed = message_of(engine, referral_id)
    leased = sent_at(engine, start + timedelta(minutes=4), MllpTransport(connect=listener))
    again = sent_at(engine, start + timedelta(minutes=5), MllpTransport(connect=listener))

    assert (claimed.status, claimed.attempts) == ("pending", 1)
    assert claimed.next_attempt_at == start + timedelta(minutes=5)
    assert (leased.acked, leased.retrying) == ([], [])
    assert again.acked == [claimed.id]
    assert len(listener.received) == 2
    assert listener.received[0] == listener.received[1]  # the same control id, the same bytes
    delivered = message_of(engine, referral_id)
    assert (delivered.status, delivered.attempts) == ("acked", 2)


def test_a_failure_with_one_message_keeps_what_the_sender_wrote_for_the_others(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(NOW)
    maria = referred(engine)
    rosa = referred(engine, given="Rosa", phone=ROSA_PHONE)
    doomed = message_of(engine, maria)
    listener = FakeMllp(codes=["AA"])
    failing = DiesAfterDelivering(
        MllpTransport(connect=listener), only_for=doomed.control_id, failure=RuntimeError
    )

    report = sent_at(engine, start, failing)

    delivered = message_of(engine, rosa)
    left = message_of(engine, maria)
    assert report.acked == [delivered.id]
    assert (delivered.status, delivered.attempts) == ("acked", 1)
    assert (left.status, left.attempts, left.last_error) == ("pending", 1, None)
    assert left.next_attempt_at == start + timedelta(minutes=5)


def test_the_try_is_committed_before_the_message_goes_out(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(NOW)
    referral_id = referred(engine)
    looking = LooksWhileDelivering(MllpTransport(connect=FakeMllp(codes=["AA"])), engine)

    report = sent_at(engine, start, looking)

    # Read by another session during delivery: on SQLite that read could not even
    # begin if the sender still held its transaction (and the write lock).
    assert looking.seen == [("pending", 1)]
    assert report.acked == [message_of(engine, referral_id).id]
