"""One provider's schedule as an iCalendar feed, with no more patient data than the
practice allows: "Booked" and the service by default, the patient's initials if chosen.
Open slots, when shown, come from the practice's calendar (the EHR's, if it books there)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referraldesk.calendar_feeds.ics import finish, new_calendar, new_event
from referraldesk.clock import now
from referraldesk.errors import Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import BOOKED, Appointment, Provider
from referraldesk.practice.policy import current_policy
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.slots import SlotQuery

# A calendar app needs the recent past and the bookable future, not the whole history.
PAST = timedelta(days=30)
AHEAD = timedelta(days=120)
OPEN_SLOT_DAYS = 14
MAX_OPEN_SLOTS = 500

log = get_logger(__name__)


def provider_feed(session: Session, provider: Provider) -> bytes:
    """The provider's booked visits (and open slots, when the practice shows them)."""
    policy = current_policy(session).calendar_feeds
    calendar = new_calendar(f"{provider.display_name} - schedule")
    for appointment in _booked(session, provider):
        event = new_event(f"{appointment.id}@referraldesk", appointment.start_at,
                          appointment.end_at, appointment.timezone,
                          _title(appointment, policy.event_title))
        event.add("location", appointment.location.name)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    if policy.show_open_slots:
        _add_open_slots(session, provider, calendar)
    return finish(calendar)


def _booked(session: Session, provider: Provider) -> list[Appointment]:
    instant = now()
    return list(session.scalars(
        select(Appointment)
        .options(selectinload(Appointment.location), selectinload(Appointment.service),
                 selectinload(Appointment.patient))
        .where(Appointment.provider_id == provider.id, Appointment.status == BOOKED,
               Appointment.start_at >= instant - PAST, Appointment.start_at < instant + AHEAD)
        .order_by(Appointment.start_at, Appointment.id)
    ))


def _title(appointment: Appointment, style: str) -> str:
    service = appointment.service.name_en if appointment.service else None
    if style == "initials":
        patient = appointment.patient
        initials = "".join(part[:1].upper() for part in
                           [patient.given_names, *patient.surnames] if part)
        label = initials or "Booked"
    else:
        label = "Booked"
    return f"{label} - {service}" if service else label


def _add_open_slots(session: Session, provider: Provider, calendar: Calendar) -> None:
    today = now().date()
    query = SlotQuery(provider_id=provider.id, start=today,
                      end=today + timedelta(days=OPEN_SLOT_DAYS), limit=MAX_OPEN_SLOTS)
    practice_calendar = calendar_for(session)
    try:
        slots = practice_calendar.find_slots(session, query)
    except Unavailable:
        # The booked visits still go out; an "Open" the EHR may have filled would mislead.
        log.warning("provider_feed_open_slots_unavailable", provider_id=provider.id,
                    calendar=practice_calendar.name)
        return
    for slot in slots:
        event = new_event(f"open-{slot.id}@referraldesk", slot.start, slot.end, slot.timezone,
                          "Open")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
