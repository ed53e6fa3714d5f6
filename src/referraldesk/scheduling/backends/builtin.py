"""The built-in calendar: scheduling.slots and scheduling.booking as they are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.models import BOOKED, Appointment
from referraldesk.scheduling import booking
from referraldesk.scheduling.booking import BookingRequest
from referraldesk.scheduling.slots import Slot, SlotQuery, find_slots


class BuiltinCalendar:
    name = "builtin"

    def find_slots(self, session: Session, query: SlotQuery) -> list[Slot]:
        return find_slots(session, query)

    def held_at(self, session: Session, provider_ids: list[str], start: datetime) -> bool:
        return booked_here(session, provider_ids, start)

    def book(self, session: Session, actor: Actor, request: BookingRequest) -> Appointment:
        return booking.book(session, actor, request)

    def cancel(
        self, session: Session, actor: Actor, appointment_id: str, reason: str
    ) -> Appointment:
        return booking.cancel(session, actor, appointment_id, reason)

    def reschedule(
        self,
        session: Session,
        actor: Actor,
        appointment_id: str,
        slot_id: str,
        *,
        reason: str = "rescheduled",
        channel: str | None = None,
        conversation_id: str | None = None,
    ) -> Appointment:
        return booking.reschedule(
            session,
            actor,
            appointment_id,
            slot_id,
            reason=reason,
            channel=channel,
            conversation_id=conversation_id,
        )


def booked_here(session: Session, provider_ids: list[str], start: datetime) -> bool:
    """Whether our own calendar has one of these providers booked at `start`."""
    held = session.scalar(
        select(Appointment.id)
        .where(
            Appointment.provider_id.in_(provider_ids),
            Appointment.start_at == start,
            Appointment.status == BOOKED,
        )
        .limit(1)
    )
    return held is not None
