"""Our calendar as FHIR R4 scheduling resources, and the ids both sides agree on.

The server (api/routes/fhir_scheduling.py) writes these; the client
(scheduling/backends/fhir_calendar.py) reads them from any FHIR server, so it
matches practitioners by NPI and sites by their identifier, never by our ids.

Ids: FHIR allows 64 characters of [A-Za-z0-9-.]. One Schedule (and one
PractitionerRole) per provider and site: `<provider id>-<first 16 of site id>`.
A Slot id adds the UTC start: `<schedule id>-YYYYMMDDTHHMM`. 16 hex digits of a
random site id are unique within one practice's handful of sites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from referraldesk.errors import InvalidArgument
from referraldesk.models import Appointment, Location, Provider

# Re-exported: clients of this server build their identifiers from it.
from referraldesk.scheduling.fhir.booking_refs import BOOKING_REF_SYSTEM as BOOKING_REF_SYSTEM
from referraldesk.scheduling.fhir.booking_refs import from_key
from referraldesk.scheduling.slots import Slot

Resource = dict[str, Any]

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
LOCATION_SYSTEM = "urn:referraldesk:location"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
SPECIALTY_SYSTEM = "urn:referraldesk:specialty"

_SITE_PART = 16
_SLOT_TIME = "%Y%m%dT%H%M"
_SLOT_YEARS = (2000, 2999)
_SCHEDULE_ID = re.compile(r"^([0-9a-f]{32})-([0-9a-f]{16})$")
_SLOT_ID = re.compile(r"^([0-9a-f]{32})-([0-9a-f]{16})-(\d{8}T\d{4})$")


@dataclass(frozen=True)
class ScheduleRef:
    provider_id: str
    site_prefix: str

    def matches(self, location_id: str) -> bool:
        return location_id.startswith(self.site_prefix)


@dataclass(frozen=True)
class SlotRef:
    schedule: ScheduleRef
    start: datetime


def schedule_id(provider_id: str, location_id: str) -> str:
    return f"{provider_id}-{location_id[:_SITE_PART]}"


def fhir_slot_id(provider_id: str, location_id: str, start: datetime) -> str:
    return f"{schedule_id(provider_id, location_id)}-{start.astimezone(UTC):{_SLOT_TIME}}"


def parse_schedule_id(text: str) -> ScheduleRef:
    bare = text.removeprefix("Schedule/").removeprefix("PractitionerRole/")
    match = _SCHEDULE_ID.match(bare)
    if match is None:
        raise InvalidArgument(
            f"Schedule id {text!r} is not one of ours; take ids from GET /fhir/Schedule",
            field="schedule",
        )
    return ScheduleRef(match.group(1), match.group(2))


def parse_fhir_slot_id(text: str) -> SlotRef:
    bare = text.removeprefix("Slot/")
    match = _SLOT_ID.match(bare)
    if match is None:
        raise InvalidArgument(
            f"Slot id {text!r} is not one of ours; take ids from GET /fhir/Slot",
            field="slot",
        )
    try:
        start = datetime.strptime(match.group(3), _SLOT_TIME).replace(tzinfo=UTC)
    except ValueError:
        start = None
    # Years at the ends of the calendar overflow when moved into a local zone.
    if start is None or not _SLOT_YEARS[0] <= start.year <= _SLOT_YEARS[1]:
        raise InvalidArgument(
            f"Slot id {text!r} names no real time (YYYYMMDDTHHMM in UTC); take ids from "
            "GET /fhir/Slot",
            field="slot",
        )
    return SlotRef(ScheduleRef(match.group(1), match.group(2)), start)


def instant(value: datetime) -> str:
    """A FHIR instant in UTC with seconds, e.g. 2026-04-14T17:00:00Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def practitioner_view(provider: Provider) -> Resource:
    return {
        "resourceType": "Practitioner",
        "id": provider.id,
        "active": provider.active,
        "identifier": [{"system": NPI_SYSTEM, "value": provider.npi}],
        "name": [
            {
                "family": provider.family_name,
                "given": [provider.given_name],
                **({"prefix": [provider.title]} if provider.title else {}),
                "text": provider.display_name,
            }
        ],
        "communication": [{"coding": [{"code": code}]} for code in provider.languages],
    }


def location_view(location: Location) -> Resource:
    view: Resource = {
        "resourceType": "Location",
        "id": location.id,
        "status": "active",
        "identifier": [{"system": LOCATION_SYSTEM, "value": location.key}],
        "name": location.name,
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/timezone",
                "valueCode": location.timezone,
            }
        ],
    }
    address = {
        key: value
        for key, value in (
            ("line", [location.address] if location.address else None),
            ("city", location.city),
            ("state", location.state),
            ("postalCode", location.postal_code),
        )
        if value
    }
    if address:
        view["address"] = address
    return view


def specialty_concept(provider: Provider) -> Resource:
    return {
        "coding": [
            {"system": NUCC_SYSTEM, "code": provider.taxonomy_code},
            {"system": SPECIALTY_SYSTEM, "code": provider.specialty_key},
        ],
        "text": provider.specialty_key,
    }


def _actors(provider: Provider, location: Location) -> list[Resource]:
    return [
        {
            "reference": f"Practitioner/{provider.id}",
            "identifier": {"system": NPI_SYSTEM, "value": provider.npi},
            "display": provider.display_name,
        },
        {
            "reference": f"Location/{location.id}",
            "identifier": {"system": LOCATION_SYSTEM, "value": location.key},
            "display": location.name,
        },
    ]


def practitioner_role_view(provider: Provider, location: Location) -> Resource:
    return {
        "resourceType": "PractitionerRole",
        "id": schedule_id(provider.id, location.id),
        "active": provider.active,
        "practitioner": _actors(provider, location)[0],
        "location": [_actors(provider, location)[1]],
        "specialty": [specialty_concept(provider)],
    }


def schedule_view(provider: Provider, location: Location) -> Resource:
    return {
        "resourceType": "Schedule",
        "id": schedule_id(provider.id, location.id),
        "active": provider.active,
        "actor": _actors(provider, location),
        "specialty": [specialty_concept(provider)],
    }


def slot_view(slot: Slot, status: str = "free") -> Resource:
    return {
        "resourceType": "Slot",
        "id": fhir_slot_id(slot.provider_id, slot.location_id, slot.start),
        "schedule": {"reference": f"Schedule/{schedule_id(slot.provider_id, slot.location_id)}"},
        "status": status,
        "start": instant(slot.start),
        "end": instant(slot.end),
        "serviceType": [{"text": slot.specialty_key}] if slot.specialty_key else [],
    }


def busy_slot_view(appointment: Appointment) -> Resource:
    return {
        "resourceType": "Slot",
        "id": fhir_slot_id(appointment.provider_id, appointment.location_id, appointment.start_at),
        "schedule": {
            "reference": f"Schedule/{schedule_id(appointment.provider_id, appointment.location_id)}"
        },
        "status": "busy",
        "start": instant(appointment.start_at),
        "end": instant(appointment.end_at),
    }


def appointment_view(appointment: Appointment) -> Resource:
    """The appointment with its patient as a reference only: the reader books, it does
    not browse our patients. The identifier is the booking system's own reference
    (booking_refs), shown only for appointments booked through this server."""
    view: Resource = {
        "resourceType": "Appointment",
        "id": appointment.id,
        "status": "cancelled" if appointment.status == "cancelled" else _status(appointment),
        "start": instant(appointment.start_at),
        "end": instant(appointment.end_at),
        "slot": [
            {
                "reference": "Slot/"
                + fhir_slot_id(
                    appointment.provider_id, appointment.location_id, appointment.start_at
                )
            }
        ],
        "participant": [
            {"actor": {"reference": f"Patient/{appointment.patient_id}"}, "status": "accepted"},
            {"actor": _actors(appointment.provider, appointment.location)[0], "status": "accepted"},
            {"actor": _actors(appointment.provider, appointment.location)[1], "status": "accepted"},
        ],
    }
    booking_ref = from_key(appointment.external_id)
    if booking_ref is not None:
        view["identifier"] = [{"system": booking_ref.system, "value": booking_ref.value}]
    if appointment.cancel_reason and appointment.status == "cancelled":
        view["cancelationReason"] = {"text": appointment.cancel_reason}
    return view


def _status(appointment: Appointment) -> str:
    return {"booked": "booked", "no_show": "noshow", "fulfilled": "fulfilled"}.get(
        appointment.status, "booked"
    )


def search_bundle(
    resources: list[Resource], *, limit: int | None = None, next_url: str | None = None,
    offset: int = 0,
) -> Resource:
    """A searchset of `resources`, the page after the first `offset` matches; a search
    cut at `limit` leaves out `total`.

    `total` is the number of all matches (FHIR R4 Bundle.total), the pages before this
    one counted: a full page may have more behind it, and an empty page past the first
    cannot tell how many the pages before held, so neither gives it.
    `next_url`, given with a full page, is the `next` link to the page after it.
    """
    bundle: Resource = {"resourceType": "Bundle", "type": "searchset"}
    full = limit is not None and len(resources) >= limit
    if full and next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    elif not full and (resources or not offset):
        bundle["total"] = offset + len(resources)
    bundle["entry"] = [
        {"resource": resource, "search": {"mode": "match"}} for resource in resources
    ]
    return bundle


def outcome(code: str, text: str, *, error_code: str | None = None) -> Resource:
    """An OperationOutcome; `error_code` is our own code, for clients that know it."""
    issue: Resource = {"severity": "error", "code": code, "diagnostics": text}
    if error_code:
        issue["details"] = {"coding": [{"system": "urn:referraldesk:error", "code": error_code}]}
    return {"resourceType": "OperationOutcome", "issue": [issue]}
