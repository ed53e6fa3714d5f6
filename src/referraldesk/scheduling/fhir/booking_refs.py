"""Booking references of the FHIR server, kept apart from every other external id.

`Appointment.external_id` is shared: the HL7 SIU feed keys its rows `siu:<ns>:<id>`
and the FHIR calendar client stores a remote server's id. A booking system's
reference is therefore stored with its namespace and its system,
`fhir:<system>|<value>`, and looked up only among appointments this server booked:
a $book whose value happens to read `siu:PMS:ADV-2` can neither replay nor reveal
the feed's appointment of that id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.models import Appointment

# The booking system's own id for an appointment: makes a retried $book harmless.
BOOKING_REF_SYSTEM = "urn:referraldesk:booking-ref"
# The channel of every appointment booked through this server (serving.book).
FHIR_CHANNEL = "integration"
_PREFIX = "fhir:"
_KEY_LENGTH = 128


@dataclass(frozen=True)
class BookingRef:
    system: str
    value: str

    @property
    def key(self) -> str:
        return f"{_PREFIX}{self.system}|{self.value}"


def from_identifiers(identifiers: Iterable[Any]) -> BookingRef | None:
    """The Appointment's booking reference: its identifier of BOOKING_REF_SYSTEM."""
    for identifier in identifiers:
        if not isinstance(identifier, dict) or identifier.get("system") != BOOKING_REF_SYSTEM:
            continue
        value = identifier.get("value")
        if isinstance(value, str) and value:
            return _checked(BookingRef(BOOKING_REF_SYSTEM, value))
    return None


def from_token(text: str) -> BookingRef | None:
    """A FHIR token (`system|value`, or a bare `value` meaning any system).

    None when the token names another system (or `|value`, no system): nothing
    booked here can match it.
    """
    system, bar, value = text.partition("|")
    if not bar:
        system, value = BOOKING_REF_SYSTEM, text
    if system != BOOKING_REF_SYSTEM or not value:
        return None
    return _checked(BookingRef(system, value))


def from_key(key: str | None) -> BookingRef | None:
    """The reference a stored key holds; None for other namespaces (SIU, FHIR client)."""
    if not key or not key.startswith(_PREFIX):
        return None
    system, _, value = key.removeprefix(_PREFIX).partition("|")
    return BookingRef(system, value)


def find(session: Session, ref: BookingRef) -> Appointment | None:
    return session.scalar(
        select(Appointment)
        .where(Appointment.external_id == ref.key, Appointment.channel == FHIR_CHANNEL)
        .order_by(Appointment.booked_at.desc())
        .limit(1)
    )


def _checked(ref: BookingRef) -> BookingRef:
    # Refused rather than cut short: two long values cut to one key would share a booking.
    if len(ref.key) > _KEY_LENGTH:
        room = _KEY_LENGTH - len(BookingRef(ref.system, "").key)
        raise InvalidArgument(
            f"Appointment.identifier.value (the booking reference) is {len(ref.value)} "
            f"characters; at most {room} are kept, send a shorter one",
            field="Appointment.identifier.value",
        )
    return ref
