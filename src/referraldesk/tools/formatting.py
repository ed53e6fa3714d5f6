"""Times, appointments and slots as tools show them: local to the site, ISO with offset."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from referraldesk.models import Appointment

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local(instant: datetime, timezone: str) -> datetime:
    """`instant` (aware) in the site's zone; the offset is the one in force that day."""
    return instant.astimezone(ZoneInfo(timezone))


def iso_local(instant: datetime, timezone: str) -> str:
    return local(instant, timezone).isoformat(timespec="seconds")


class ProviderRef(BaseModel):
    id: str
    name: str
    specialty: str


class AppointmentView(BaseModel):
    """API.md's appointment, plus the local date, time and weekday a brain speaks."""

    id: str
    status: str
    start: str
    end: str
    weekday: str
    local_date: str
    local_time: str
    provider: ProviderRef
    location: str
    location_id: str
    service: str | None
    service_name: str | None
    referral_id: str | None


def appointment_view(appointment: Appointment, language: str = "en") -> AppointmentView:
    start = local(appointment.start_at, appointment.timezone)
    service = appointment.service
    service_name = None
    if service is not None:
        service_name = service.name_es if language == "es" else service.name_en
    return AppointmentView(
        id=appointment.id,
        status=appointment.status,
        start=start.isoformat(timespec="seconds"),
        end=iso_local(appointment.end_at, appointment.timezone),
        weekday=WEEKDAY_KEYS[start.weekday()],
        local_date=start.date().isoformat(),
        local_time=start.strftime("%H:%M"),
        provider=ProviderRef(
            id=appointment.provider_id,
            name=appointment.provider.display_name,
            specialty=appointment.provider.specialty_key,
        ),
        location=appointment.location.name,
        location_id=appointment.location_id,
        service=service.key if service is not None else None,
        service_name=service_name,
        referral_id=appointment.referral_id,
    )
