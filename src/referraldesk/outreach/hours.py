"""When a patient may be texted or called: calling hours in the patient's own zone.

The zone comes from the phone number (area code), else the address's state, else
the practice's zone. A number whose area code spans several zones must be inside
the calling hours in every one of them: the earliest-waking zone decides the start
and the latest one the end, so nobody is woken or called after 21:00.

Every check converts the instant to local wall time with zoneinfo, so the DST
changes (2026-03-08 and 2026-11-01 in California) shift the UTC hours of the window
and never the local ones; Arizona (America/Phoenix) keeps no daylight saving time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from referraldesk.errors import InvalidArgument
from referraldesk.models import Patient
from referraldesk.patients.phones import phone_zones
from referraldesk.scheduling.windows import TimeWindow, from_understanding

# One zone per state, the most populous where a state spans two (a fallback only:
# the phone's area code is read first).
STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(("CA", "WA", "OR", "NV"), "America/Los_Angeles"),
    "AZ": "America/Phoenix",
    **dict.fromkeys(("CO", "UT", "NM", "MT", "WY", "ID"), "America/Denver"),
    **dict.fromkeys(
        ("TX", "IL", "MN", "WI", "IA", "MO", "AR", "LA", "MS", "AL", "OK", "KS", "NE", "SD", "ND"),
        "America/Chicago",
    ),
    **dict.fromkeys(
        (
            "NY",
            "NJ",
            "PA",
            "MA",
            "CT",
            "RI",
            "VT",
            "NH",
            "ME",
            "DE",
            "MD",
            "DC",
            "VA",
            "WV",
            "NC",
            "SC",
            "GA",
            "FL",
            "OH",
            "MI",
            "IN",
            "KY",
            "TN",
        ),
        "America/New_York",
    ),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}
# Search granularity for the next allowed instant; US zones sit on whole hours.
STEP = timedelta(minutes=15)
HORIZON = timedelta(days=15)


@dataclass(frozen=True)
class CallingHours:
    """The practice's calling window (local `start` <= t < `end`) and a patient's windows."""

    start: time
    end: time
    contact_windows: tuple[TimeWindow, ...] = ()

    def allows(self, instant: datetime, zones: Sequence[str]) -> bool:
        """True when `instant` is inside the hours in every one of `zones`."""
        return all(self._allows_local(instant.astimezone(ZoneInfo(zone))) for zone in zones)

    def _allows_local(self, local: datetime) -> bool:
        wall = local.time()
        if not self.start <= wall < self.end:
            return False
        return not self.contact_windows or any(
            window.contains(local, local) for window in self.contact_windows
        )


def patient_zones(patient: Patient, practice_zone: str) -> tuple[str, ...]:
    """The zones whose local time counts for contacting `patient` (never empty)."""
    phone = patient.primary_phone
    if phone:
        zones = phone_zones(phone)
        if zones:
            return zones
    state = (patient.state or "").upper()
    if state in STATE_ZONES:
        return (STATE_ZONES[state],)
    return (practice_zone,)


def contact_windows(patient: Patient) -> tuple[TimeWindow, ...]:
    """The patient's stored windows (`{weekdays, after, before}`); bad ones are ignored.

    A window that cannot be read must not stop outreach altogether; the calling
    hours still hold.
    """
    windows: list[TimeWindow] = []
    for stored in patient.contact_windows or []:
        try:
            windows.extend(from_understanding(stored))
        except InvalidArgument:
            continue
    return tuple(windows)


def next_allowed(
    after: datetime, hours: CallingHours, zones: Sequence[str], horizon: timedelta = HORIZON
) -> datetime | None:
    """The first instant at or after `after` inside the hours, or None within `horizon`."""
    if hours.allows(after, zones):
        return after
    candidate = _ceil_to_step(after)
    limit = after + horizon
    while candidate <= limit:
        if hours.allows(candidate, zones):
            return candidate
        candidate += STEP
    return None


def _ceil_to_step(instant: datetime) -> datetime:
    step_seconds = int(STEP.total_seconds())
    seconds = int(instant.timestamp())
    remainder = seconds % step_seconds
    rounded = (
        seconds
        if remainder == 0 and instant.microsecond == 0
        else seconds - remainder + step_seconds
    )
    return datetime.fromtimestamp(rounded, instant.tzinfo)
