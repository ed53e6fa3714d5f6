"""A patient's booking confirmation as a .ics file, behind a signed link that expires.

The link carries the appointment id and an expiry, signed with a key derived from the
app's secret: nothing is stored, and a changed or expired link is simply not found.
The file names the practice, the site and its address, the provider and the times in
the site's zone; never the reason for the visit or a diagnosis.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from referraldesk.calendar_feeds.ics import finish, new_calendar, new_event
from referraldesk.calendar_feeds.signing import mac
from referraldesk.clock import now
from referraldesk.models import Appointment, Practice
from referraldesk.settings import get_settings

PURPOSE = "appointment-confirmation"
# The link stays good a week past the visit (a patient may look it up afterwards).
GOOD_AFTER_VISIT = timedelta(days=7)
# Seconds since 1970 in ASCII digits: 12 reach past the year 30000. A longer text is
# no link of ours, and int() of thousands of digits raises before any signature check.
MAX_EXPIRY_DIGITS = 12


def confirmation_url(appointment: Appointment) -> str:
    """The public link to the appointment's .ics, for the chat or text confirmation."""
    expires = int((appointment.end_at + GOOD_AFTER_VISIT).timestamp())
    signed = f"{appointment.id}.{expires}.{_signature(appointment.id, expires)}"
    return f"{get_settings().public_url.rstrip('/')}/calendar/appointments/{signed}.ics"


def appointment_for_link(session: Session, signed: str) -> Appointment | None:
    """The appointment a signed link names, or None when it is forged, altered or expired."""
    appointment_id, _, rest = signed.partition(".")
    expires_text, _, signature = rest.partition(".")
    # compare_digest raises TypeError on non-ASCII text: such a signature is no MAC of ours.
    if not _is_expiry(expires_text) or not signature or not signature.isascii():
        return None
    expires = int(expires_text)
    if not hmac.compare_digest(signature, _signature(appointment_id, expires)):
        return None
    if now() > datetime.fromtimestamp(expires, UTC):
        return None
    return session.get(Appointment, appointment_id)


def confirmation_ics(session: Session, appointment: Appointment) -> bytes:
    practice = session.query(Practice).order_by(Practice.id).first()
    practice_name = practice.name if practice else "Your appointment"
    provider, site = appointment.provider, appointment.location
    calendar = new_calendar(practice_name)
    event = new_event(f"{appointment.id}@referraldesk", appointment.start_at,
                      appointment.end_at, appointment.timezone,
                      f"{practice_name}: appointment with {provider.display_name}")
    event.add("location", _address(site.name, site.address, site.city, site.state,
                                   site.postal_code))
    event.add("description", _description(practice, provider.display_name, site.phone))
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return finish(calendar)


def _is_expiry(text: str) -> bool:
    # isdigit() alone takes other scripts' digits ("١٢٣") and superscripts.
    return 0 < len(text) <= MAX_EXPIRY_DIGITS and text.isascii() and text.isdigit()


def _signature(appointment_id: str, expires: int) -> str:
    return mac(PURPOSE, f"{appointment_id}:{expires}")


def _address(*parts: str | None) -> str:
    name, street, city, state, postal = parts
    town = " ".join(part for part in (state, postal) if part)
    return ", ".join(part for part in (name, street, city, town) if part)


def _description(practice: Practice | None, provider: str, site_phone: str | None) -> str:
    phone = site_phone or (practice.phone if practice else None)
    lines = [f"Provider: {provider}"]
    if phone:
        lines.append(f"To change or cancel, call {phone}.")
    return "\n".join(lines)
