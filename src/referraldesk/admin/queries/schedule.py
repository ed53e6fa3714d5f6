"""Each provider's day or week: bookings from our records and open slots from the
practice's calendar (the built-in one, or the EHR's when the practice books there)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk.admin.queries.common import day_bounds, person_name
from referraldesk.errors import NotFound, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import Appointment, Patient, Provider, Service
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.slots import MAX_LIMIT, SlotQuery

log = get_logger(__name__)


@dataclass(frozen=True)
class Entry:
    """One line of a provider's day: a booking or an open slot, in the site's local time."""

    start: datetime
    end: datetime
    kind: str  # booked | open | other (cancelled, no-show, fulfilled)
    label: str
    appointment_id: str | None = None
    patient_id: str | None = None


def providers(session: Session, day: date, zone: str) -> list[tuple[Provider, int]]:
    """Active providers with how many visits each has booked on `day`."""
    start, end = day_bounds(day, day, zone)
    booked = dict(session.execute(
        select(Appointment.provider_id, func.count())
        .where(Appointment.start_at >= start, Appointment.start_at < end,
               Appointment.status == "booked")
        .group_by(Appointment.provider_id)
    ).all())
    rows = session.scalars(select(Provider).where(Provider.active.is_(True))
                           .order_by(Provider.family_name, Provider.given_name)).all()
    return [(provider, booked.get(provider.id, 0)) for provider in rows]


def provider_days(session: Session, provider_id: str, first: date, last: date,
                  zone: str) -> dict[date, list[Entry]]:
    """Every local day from `first` to `last` with its bookings and open slots, in time order."""
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(f"there is no provider with id {provider_id!r}", field="provider")
    days: dict[date, list[Entry]] = defaultdict(list)
    for entry in _bookings(session, provider_id, first, last, zone) + _open(session, provider_id,
                                                                          first, last):
        days[entry.start.date()].append(entry)
    span = (last - first).days + 1
    return {day: sorted(days.get(day, []), key=lambda e: e.start)
            for day in (first + timedelta(days=n) for n in range(span))}


def _bookings(session: Session, provider_id: str, first: date, last: date,
              zone: str) -> list[Entry]:
    start, end = day_bounds(first, last, zone)
    rows = session.execute(
        select(Appointment, Patient.given_names, Patient.surnames, Service.name_en)
        .join(Patient, Patient.id == Appointment.patient_id)
        .outerjoin(Service, Service.id == Appointment.service_id)
        .where(Appointment.provider_id == provider_id, Appointment.start_at >= start,
               Appointment.start_at < end, Appointment.status != "cancelled")
    ).all()
    entries = []
    for appointment, given, surnames, service in rows:
        site = ZoneInfo(appointment.timezone)
        label = person_name(given, surnames) + (f" · {service}" if service else "")
        kind = "booked" if appointment.status == "booked" else "other"
        if kind == "other":
            label += f" ({appointment.status.replace('_', ' ')})"
        entries.append(Entry(appointment.start_at.astimezone(site),
                             appointment.end_at.astimezone(site),
                             kind, label, appointment.id, appointment.patient_id))
    return entries


def _open(session: Session, provider_id: str, first: date, last: date) -> list[Entry]:
    calendar = calendar_for(session)
    query = SlotQuery(provider_id=provider_id, start=first, end=last, limit=MAX_LIMIT)
    try:
        slots = calendar.find_slots(session, query)
    except Unavailable:
        # The bookings still show; no open time is better than one the EHR may have taken.
        log.warning("schedule_open_times_unavailable", provider_id=provider_id,
                    calendar=calendar.name)
        return []
    return [Entry(slot.local_start, slot.local_end, "open", slot.location_name) for slot in slots]
