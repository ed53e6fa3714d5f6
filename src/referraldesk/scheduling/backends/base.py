"""The one interface the tools book through, whichever calendar the practice uses.

`BuiltinCalendar` is our own calendar; `FhirCalendar` is a FHIR R4 scheduling
server's (the practice's EHR). Slots and appointments look the same from both:
slot ids are ours (`<provider>:<site>:<UTC start>`) and every booking, wherever it
lives, has a local Appointment row, so the dashboard, referrals and analytics
never ask which calendar it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.models import Appointment
from referraldesk.scheduling.booking import BookingRequest
from referraldesk.scheduling.slots import Slot, SlotQuery


class CalendarBackend(Protocol):
    """Open slots, booking, cancelling and moving; raises the same DomainErrors everywhere.

    An external calendar that does not answer raises Unavailable (retryable): the
    caller is offered a callback, never a booking that was not made.
    """

    name: str

    def find_slots(self, session: Session, query: SlotQuery) -> list[Slot]:
        """Up to `query.limit` open slots, earliest first."""
        ...

    def held_at(self, session: Session, provider_ids: list[str], start: datetime) -> bool:
        """Whether a booking holds one of these providers at `start` (UTC): a slot that
        is not open then is taken, not missing."""
        ...

    def book(self, session: Session, actor: Actor, request: BookingRequest) -> Appointment:
        """Book and return the local Appointment row; SlotTaken carries the next open slot."""
        ...

    def cancel(
        self, session: Session, actor: Actor, appointment_id: str, reason: str
    ) -> Appointment: ...

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
        """Move in one step: if the new time cannot be booked the old one stays."""
        ...
