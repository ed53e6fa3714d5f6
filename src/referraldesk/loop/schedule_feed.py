"""SIU out to the practice-management system: bookings made here, in its own calendar.

When the practice configures `policy.scheduling_feed.send_to`, every booking, move
and cancellation made here (by the agent, staff or an integration) is written as
SIU^S12, S13 or S15 in the same transaction, and delivered by the periodic sender
over the loop's transports (MLLP or HTTP), with the loop's back-off, until the PM
system acknowledges it. Bookings that came from the PM system's own feed are not
echoed back: the feed applies them without the booking service.

SCH-1 (our placer appointment id) is the first booking of a reschedule chain, so the
PM system keeps one appointment through every move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hl7apy.core import Segment  # type: ignore[import-untyped]  # hl7apy ships no hints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk.clock import now as clock_now
from referraldesk.db.base import new_id
from referraldesk.intake.hl7.escapes import escape
from referraldesk.logging import get_logger
from referraldesk.loop import hl7
from referraldesk.loop.sender import MAX_ATTEMPTS, backoff
from referraldesk.loop.transports import ACKED, FAILED, Delivery, Transport, default_transports
from referraldesk.models import Appointment, Patient, Practice, ScheduleFeedMessage
from referraldesk.practice.policy import current_policy

log = get_logger(__name__)

BOOKED = "SIU^S12"
MOVED = "SIU^S13"
CANCELLED = "SIU^S15"
_STRUCTURES = {BOOKED: "SIU^S12^SIU_S12", MOVED: "SIU^S13^SIU_S12",
               CANCELLED: "SIU^S15^SIU_S12"}
_FILLER_STATUS = {BOOKED: "Booked", MOVED: "Booked", CANCELLED: "Cancelled"}
BATCH = 200


@dataclass
class FeedReport:
    acked: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def queue_schedule_event(
    session: Session, appointment: Appointment, message_type: str
) -> ScheduleFeedMessage | None:
    """Write the SIU for this change when the practice has a feed; None when it has none."""
    send_to = current_policy(session).scheduling_feed.send_to
    if not send_to:
        return None
    control_id = new_id()[:20]
    message = ScheduleFeedMessage(
        appointment_id=appointment.id, message_type=message_type, endpoint=send_to,
        payload=build_siu(session, appointment, message_type, control_id),
        control_id=control_id, status="pending", attempts=0, next_attempt_at=clock_now(),
        created_at=_after_latest(session),
    )
    session.add(message)
    session.flush()
    log.info("schedule_feed_queued", schedule_feed_message_id=message.id,
             appointment_id=appointment.id, message_type=message_type)
    return message


def build_siu(
    session: Session, appointment: Appointment, message_type: str, control_id: str
) -> str:
    """The SIU^S12/S13/S15 text (segments ended by `\\r`)."""
    segments = [_msh(session, message_type, control_id), _sch(session, appointment,
                                                             message_type)]
    tq1 = Segment("TQ1", version=hl7.VERSION)
    tq1.tq1_1 = "1"
    tq1.tq1_7 = hl7.timestamp(appointment.start_at)
    tq1.tq1_8 = hl7.timestamp(appointment.end_at)
    segments.extend([tq1, _pid(appointment.patient), *hl7.resource_segments(appointment)])
    return "\r".join(segment.to_er7() for segment in segments) + "\r"


def send_schedule_feed(
    session: Session, *, now: datetime | None = None,
    transports: dict[str, Transport] | None = None,
) -> FeedReport:
    """Try every pending feed message whose time has come, oldest first."""
    at = now or clock_now()
    carriers = transports or default_transports()
    report = FeedReport()
    for message in _due(session, at):
        carrier = carriers.get("hl7_mllp" if message.endpoint.startswith("mllp") else "hl7_http")
        delivery = (carrier.deliver(message, message.endpoint) if carrier is not None
                    else Delivery(FAILED, "no transport for this endpoint"))
        _record(message, delivery, at)
        bucket = {"acked": report.acked, "failed": report.failed}
        bucket.get(message.status, report.retrying).append(message.id)
        log.info("schedule_feed_attempt", schedule_feed_message_id=message.id,
                 outcome=delivery.outcome, attempts=message.attempts)
    session.flush()
    return report


def _due(session: Session, at: datetime) -> list[ScheduleFeedMessage]:
    query = (
        select(ScheduleFeedMessage)
        .where(ScheduleFeedMessage.status == "pending", ScheduleFeedMessage.next_attempt_at <= at)
        .order_by(ScheduleFeedMessage.created_at, ScheduleFeedMessage.id)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Race: two workers sending one batch would book each visit twice in the PM system.
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _record(message: ScheduleFeedMessage, delivery: Delivery, at: datetime) -> None:
    message.attempts += 1
    message.sent_at = message.sent_at or at
    message.last_error = delivery.detail[:500] if delivery.detail else None
    if delivery.outcome == ACKED:
        message.status, message.acked_at, message.next_attempt_at = "acked", at, None
    elif delivery.outcome == FAILED or message.attempts >= MAX_ATTEMPTS:
        message.status, message.next_attempt_at = "failed", None
    else:
        message.next_attempt_at = at + backoff(message.attempts)


def _after_latest(session: Session) -> datetime:
    # The PM system must hear S12 before the S13 of the same visit; two changes in one
    # transaction, or under a frozen clock, would tie, so nudge past the latest.
    instant = clock_now()
    latest = session.scalar(select(func.max(ScheduleFeedMessage.created_at)))
    return latest + timedelta(microseconds=1) if latest and instant <= latest else instant


def _msh(session: Session, message_type: str, control_id: str) -> Segment:
    ours = session.scalar(select(Practice.name).order_by(Practice.id).limit(1)) or ""
    msh = Segment("MSH", version=hl7.VERSION)
    msh.msh_1 = "|"
    msh.msh_2 = "^~\\&"
    msh.msh_3 = hl7.OUR_APPLICATION
    msh.msh_4 = escape(ours)
    msh.msh_7 = hl7.timestamp(clock_now())
    msh.msh_9 = _STRUCTURES[message_type]
    msh.msh_10 = control_id
    msh.msh_11 = "P"
    msh.msh_12 = hl7.VERSION
    return msh


def _pid(patient: Patient) -> Segment:
    if patient.status != "erased":
        return hl7.pid_segment(patient)
    # The S15 that erasure sends for a visit still to come: the stub's "[erased]" and
    # 1900-01-01 would overwrite the PM system's own record of the patient, which erasure
    # here does not reach. Our identifier alone names whom the visit was for.
    pid = Segment("PID", version=hl7.VERSION)
    pid.pid_1 = "1"
    pid.pid_3 = f"{patient.id}^^^{hl7.OUR_APPLICATION}^PI"
    return pid


def _sch(session: Session, appointment: Appointment, message_type: str) -> Segment:
    sch = Segment("SCH", version=hl7.VERSION)
    chain = _booking_chain(session, appointment)
    sch.sch_1 = f"{chain[-1].id}^{hl7.OUR_APPLICATION}"
    # The PM system's own id: of a booking it made, or the one it gave ours when it
    # echoed our S12 (kept on the booking it echoed, perhaps earlier in the chain).
    theirs = appointment.external_id or next(
        (booking.filler_id for booking in chain if booking.filler_id), None)
    if theirs:
        sch.sch_2 = escape(theirs.rsplit(":", 1)[-1])
    minutes = int((appointment.end_at - appointment.start_at).total_seconds() // 60)
    sch.sch_9 = str(minutes)
    sch.sch_10 = "min^minutes^ISO+"
    sch.sch_25 = _FILLER_STATUS[message_type]
    if appointment.referral_id:
        sch.sch_27 = f"{appointment.referral_id}^{hl7.OUR_APPLICATION}"
    return sch


def _booking_chain(session: Session, appointment: Appointment) -> list[Appointment]:
    """`appointment` and the bookings it was rescheduled from, newest first."""
    chain, seen = [appointment], {appointment.id}
    while chain[-1].rescheduled_from_id and chain[-1].rescheduled_from_id not in seen:
        earlier = session.get(Appointment, chain[-1].rescheduled_from_id)
        if earlier is None:
            break
        chain.append(earlier)
        seen.add(earlier.id)
    return chain
