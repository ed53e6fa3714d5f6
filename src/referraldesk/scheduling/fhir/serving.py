"""Our own calendar served as FHIR R4 scheduling: the reads, $find, $book and cancel.

Every write goes through scheduling.booking, so a slot booked here passes the same
checks and locks as one booked by the agent, and nothing is double-booked whoever
books it. Services flush and never commit: the request owns the transaction.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from referraldesk.audit.trail import Actor
from referraldesk.errors import Conflict, InvalidArgument, NotFound
from referraldesk.models import BOOKED, Appointment, Location, Practice, Provider
from referraldesk.scheduling import booking
from referraldesk.scheduling.fhir import booking_refs
from referraldesk.scheduling.fhir import resources as views
from referraldesk.scheduling.fhir.patients import patient_for_booking
from referraldesk.scheduling.fhir.search import SlotSearch, TimeBounds
from referraldesk.scheduling.policy import booking_rules
from referraldesk.scheduling.slots import MAX_LIMIT, Slot, SlotQuery, find_slots

Resource = dict[str, Any]
# The channel of appointments the HL7 SIU feed books (intake.siu_apply.CHANNEL).
SIU_CHANNEL = "hl7_siu"
# An Appointment search answers at most this many, earliest first.
APPOINTMENT_SEARCH_LIMIT = 200


def practice_zone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles")


def providers(session: Session) -> list[Provider]:
    return list(
        session.scalars(
            select(Provider)
            .options(selectinload(Provider.locations))
            .order_by(Provider.family_name, Provider.id)
        )
    )


def locations(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).order_by(Location.key)))


def schedule_pairs(
    session: Session, search: SlotSearch | None = None
) -> list[tuple[Provider, Location]]:
    """Every (provider, site) the practice books, narrowed by the search's actors."""
    pairs = [(p, site) for p in providers(session) if p.active for site in p.locations]
    if search is None:
        return pairs
    if search.schedule_ids:
        refs = [views.parse_schedule_id(text) for text in search.schedule_ids]
        pairs = [
            (p, site)
            for p, site in pairs
            if any(ref.provider_id == p.id and ref.matches(site.id) for ref in refs)
        ]
    if search.practitioner_ids:
        pairs = [(p, site) for p, site in pairs if p.id in search.practitioner_ids]
    if search.location_ids:
        pairs = [(p, site) for p, site in pairs if site.id in search.location_ids]
    if search.specialty:
        pairs = [(p, site) for p, site in pairs if _practises(p, search.specialty)]
    return pairs


def free_slots(session: Session, search: SlotSearch) -> list[Slot]:
    """Open slots of the searched schedules, earliest first: `search.count` of them
    after the first `search.offset`."""
    pairs = schedule_pairs(session, search)
    zone = practice_zone(session)
    rules = booking_rules(session)
    lower = max(search.bounds.lower or rules.earliest(), rules.earliest())
    upper = min(search.bounds.upper or rules.latest(), rules.latest())
    if upper < lower or not pairs:
        return []
    found: list[Slot] = []
    # One query per schedule, so a provider's slots at sites not searched do not use up
    # the page.
    for provider, site in pairs:
        query = SlotQuery(
            provider_id=provider.id,
            location_id=site.id,
            start=lower.astimezone(zone).date(),
            end=upper.astimezone(zone).date(),
            not_before=lower,
        )
        wanted = search.offset + search.count
        found.extend(slot for slot in _first_slots(session, query, wanted) if slot.start <= upper)
    # A total order, so that pages asked for one after the other do not overlap.
    found.sort(key=lambda slot: (slot.start, slot.provider_id, slot.location_id))
    return found[search.offset : search.offset + search.count]


def _first_slots(session: Session, query: SlotQuery, wanted: int) -> list[Slot]:
    """The first `wanted` slots of one schedule, asked for in runs the slot search takes
    (at most MAX_LIMIT each), each run starting after the last slot of the one before."""
    found: list[Slot] = []
    while len(found) < wanted:
        asked = min(wanted - len(found), MAX_LIMIT)
        run = find_slots(session, replace(query, limit=asked))
        found.extend(run)
        if len(run) < asked:
            break
        # One schedule has one slot per start, so the next run begins just after.
        query = replace(query, not_before=run[-1].start + timedelta(seconds=1))
    return found


def busy_slots(session: Session, search: SlotSearch) -> list[Resource]:
    pairs = schedule_pairs(session, search)
    wanted = {(p.id, site.id) for p, site in pairs}
    if not wanted:
        return []
    # The schedules (provider and site) are matched in the query, before the page is
    # cut, so a provider's bookings at a site not searched never shorten a page.
    stmt = select(Appointment).where(
        Appointment.status == BOOKED,
        tuple_(Appointment.provider_id, Appointment.location_id).in_(sorted(wanted)),
    )
    if search.bounds.lower:
        stmt = stmt.where(Appointment.start_at >= search.bounds.lower)
    if search.bounds.upper:
        stmt = stmt.where(Appointment.start_at <= search.bounds.upper)
    rows = session.scalars(
        stmt.order_by(Appointment.start_at, Appointment.id)
        .offset(search.offset)
        .limit(search.count)
    )
    return [views.busy_slot_view(row) for row in rows]


def search_slots(session: Session, search: SlotSearch) -> list[Resource]:
    if search.status == "busy":
        return busy_slots(session, search)
    if search.status != "free":
        raise InvalidArgument(
            f"status={search.status!r}: this server answers free and busy", field="status"
        )
    return [views.slot_view(slot) for slot in free_slots(session, search)]


def read_slot(session: Session, slot_id: str) -> Resource:
    ref = views.parse_fhir_slot_id(slot_id)
    search = SlotSearch(
        schedule_ids=(f"{ref.schedule.provider_id}-{ref.schedule.site_prefix}",),
        bounds=TimeBounds(ref.start, ref.start),
        count=1,
    )
    free = free_slots(session, search)
    if free:
        return views.slot_view(free[0])
    busy = busy_slots(session, search)
    if busy:
        return busy[0]
    raise NotFound(f"no Slot {slot_id}: the time is not on the calendar", field="id")


def proposals(session: Session, search: SlotSearch) -> list[Resource]:
    """$find: each open slot as a proposed Appointment pointing at it."""
    names = {p.id: p for p in providers(session)}
    sites = {site.id: site for site in locations(session)}
    found = []
    for slot in free_slots(session, search):
        provider, site = names[slot.provider_id], sites[slot.location_id]
        found.append(
            {
                "resourceType": "Appointment",
                "status": "proposed",
                "start": views.instant(slot.start),
                "end": views.instant(slot.end),
                "slot": [
                    {"reference": "Slot/" + views.fhir_slot_id(provider.id, site.id, slot.start)}
                ],
                "participant": [
                    {"actor": actor, "status": "needs-action"}
                    for actor in views.schedule_view(provider, site)["actor"]
                ],
                "specialty": [views.specialty_concept(provider)],
            }
        )
    return found


def book(session: Session, actor: Actor, body: Resource) -> tuple[Appointment, bool]:
    """$book or create: book the Appointment's slot; returns (appointment, created).

    An Appointment whose booking reference (BOOKING_REF_SYSTEM identifier) this
    server booked already comes back as it is, so a client may safely retry after a
    timeout.
    """
    resource = appointment_from(body)
    booking_ref = booking_refs.from_identifiers(resource.get("identifier") or [])
    if booking_ref is not None:
        existing = booking_refs.find(session, booking_ref)
        if existing is not None:
            return existing, False
    provider_id, location_id, start = _target(session, resource)
    patient = patient_for_booking(session, actor, resource)
    request = booking.BookingRequest(
        patient_id=patient.id,
        provider_id=provider_id,
        start=start,
        location_id=location_id,
        channel=booking_refs.FHIR_CHANNEL,
        notes=(resource.get("comment") or None),
    )
    appointment = booking.book(session, actor, request)
    appointment.external_id = booking_ref.key if booking_ref else None
    session.flush()
    return appointment, True


def cancel(session: Session, actor: Actor, appointment_id: str, reason: str | None) -> Appointment:
    """Cancel; cancelling a cancelled appointment again answers it as it is (retries)."""
    appointment = booking.get_appointment(session, appointment_id)
    if appointment.channel == SIU_CHANNEL:
        # The practice-management system owns its bookings; a change made here would
        # be overwritten by its next message and never reach its schedule.
        raise Conflict(
            f"appointment {appointment.id} belongs to the practice's schedule feed (HL7 SIU); "
            "cancel it in the practice-management system",
            field="Appointment.id",
        )
    if appointment.status == "cancelled":
        return appointment
    return booking.cancel(session, actor, appointment_id, reason or "cancelled via FHIR")


def by_booking_ref(session: Session, token: str) -> Appointment | None:
    """The appointment this server booked under a `system|value` token, if any."""
    ref = booking_refs.from_token(token)
    return booking_refs.find(session, ref) if ref is not None else None


def search_appointments(
    session: Session, *, identifier: str | None, status: str | None, practitioner: str | None
) -> list[Appointment]:
    stmt = select(Appointment)
    if identifier:
        ref = booking_refs.from_token(identifier)
        if ref is None:
            return []
        stmt = stmt.where(
            Appointment.external_id == ref.key, Appointment.channel == booking_refs.FHIR_CHANNEL
        )
    if status:
        stmt = stmt.where(Appointment.status == ("no_show" if status == "noshow" else status))
    if practitioner:
        stmt = stmt.where(Appointment.provider_id == practitioner.removeprefix("Practitioner/"))
    return list(
        session.scalars(stmt.order_by(Appointment.start_at).limit(APPOINTMENT_SEARCH_LIMIT))
    )


def appointment_from(body: Resource) -> Resource:
    """The Appointment of a $book Parameters, or the body itself; checked against R4."""
    resource = body
    if body.get("resourceType") == "Parameters":
        given = [
            part.get("resource")
            for part in parameter_parts(body)
            if part.get("name") == "appointment"
        ]
        if not given or not isinstance(given[0], dict):
            raise InvalidArgument(
                "Parameters needs a parameter named appointment holding an Appointment",
                field="Parameters.parameter",
            )
        resource = given[0]
    if resource.get("resourceType") != "Appointment":
        raise InvalidArgument(
            f"expected an Appointment, got {resource.get('resourceType')!r}", field="resourceType"
        )
    try:
        FhirAppointment.model_validate(resource)
    except ValidationError as exc:
        problems = "; ".join(
            f"Appointment.{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidArgument(
            f"not a valid R4 Appointment: {problems}", field="Appointment"
        ) from None
    return resource


def parameter_parts(body: Resource) -> list[Resource]:
    """Parameters.parameter, checked to be a list of objects before anything reads it."""
    parts = body.get("parameter")
    if parts is None:
        return []
    if not isinstance(parts, list) or not all(isinstance(part, dict) for part in parts):
        raise InvalidArgument(
            "Parameters.parameter must be a list of objects, each with a name and a value[x] "
            "or resource",
            field="Parameters.parameter",
        )
    return parts


def _target(session: Session, resource: Resource) -> tuple[str, str, datetime]:
    slots = resource.get("slot") or []
    if not slots or not isinstance(slots[0].get("reference"), str):
        raise InvalidArgument(
            "Appointment.slot needs one reference to a free Slot (GET /fhir/Slot?status=free)",
            field="Appointment.slot",
        )
    ref = views.parse_fhir_slot_id(slots[0]["reference"])
    provider = session.get(Provider, ref.schedule.provider_id)
    site = (
        next((site for site in provider.locations if ref.schedule.matches(site.id)), None)
        if provider
        else None
    )
    if provider is None or site is None:
        raise NotFound(f"no Schedule for {slots[0]['reference']}", field="Appointment.slot")
    return provider.id, site.id, ref.start


def _practises(provider: Provider, specialty: str) -> bool:
    return specialty in (provider.specialty_key, provider.taxonomy_code.lower())


def parse_json(raw: bytes) -> Resource:
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise InvalidArgument(
            f"the body is not JSON (line {getattr(exc, 'lineno', '?')}); send a FHIR resource",
            field="body",
        ) from None
    if not isinstance(body, dict):
        raise InvalidArgument("the body must be one FHIR resource (a JSON object)", field="body")
    return body
