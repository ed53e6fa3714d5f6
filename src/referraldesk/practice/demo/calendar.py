"""Slots and bookings for seeding the demo calendar, straight from the practice config.

The scheduling engine is the authority on slots; this is the small subset the demo
needs: a provider's weekly blocks on one date, minus closures and time off, cut on
a grid of `slot_minutes` from each block's start (the engine's grid too), so every
seeded appointment sits exactly on a slot the engine would offer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from referraldesk.practice.fields import WEEKDAYS
from referraldesk.practice.schema import PracticeConfig, ProviderConfig


@dataclass(frozen=True)
class DemoSlot:
    npi: str
    specialty: str
    location_key: str
    timezone: str
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """`npi|start`: names the slot in ids and seeds."""
        return f"{self.npi}|{self.start.isoformat()}"


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def closed_days(config: PracticeConfig, location_key: str) -> set[date]:
    closed: set[date] = set()
    for closure in config.closures:
        if closure.location in (None, location_key):
            closed.update(days_between(closure.date, closure.last_day))
    return closed


def provider_slots(
    config: PracticeConfig,
    provider: ProviderConfig,
    day: date,
    closed: dict[str, set[date]] | None = None,
) -> list[DemoSlot]:
    """The provider's slots on `day`, earliest first; `closed` caches `closed_days` by site."""
    sites = {location.key: location for location in config.locations}
    closed = closed if closed is not None else {key: closed_days(config, key) for key in sites}
    weekday = WEEKDAYS[day.weekday()]
    spans = [
        (block.location, block.start, block.end)
        for block in provider.blocks
        if weekday in block.days
        and (block.valid_from is None or block.valid_from <= day)
        and (block.valid_until is None or day <= block.valid_until)
    ]
    off = []
    for exception in provider.exceptions:
        if exception.date != day:
            continue
        if exception.kind == "extra" and exception.location and exception.start and exception.end:
            spans.append((exception.location, exception.start, exception.end))
        elif exception.kind == "off":
            off.append((exception.start or time.min, exception.end or time.max))
    slots = []
    for location_key, start, end in spans:
        if day in closed[location_key]:
            continue
        zone = sites[location_key].timezone
        for slot_start, slot_end in _grid(
            day,
            start,
            end,
            provider.slot_minutes + provider.buffer_minutes,
            provider.slot_minutes,
            ZoneInfo(zone),
        ):
            local = slot_start.astimezone(ZoneInfo(zone)).time()
            local_end = slot_end.astimezone(ZoneInfo(zone)).time()
            if any(low < local_end and local < high for low, high in off):
                continue
            slots.append(
                DemoSlot(provider.npi, provider.specialty, location_key, zone, slot_start, slot_end)
            )
    return sorted(slots, key=lambda slot: slot.start)


def _grid(
    day: date, start: time, end: time, step: int, length: int, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    begin = datetime.combine(day, start)
    finish = datetime.combine(day, end)
    current = begin
    while current + timedelta(minutes=length) <= finish:
        # Local wall times, converted one by one: a DST change day keeps its clock times.
        yield (
            current.replace(tzinfo=zone).astimezone(UTC),
            (current + timedelta(minutes=length)).replace(tzinfo=zone).astimezone(UTC),
        )
        current += timedelta(minutes=step)


@dataclass
class Occupancy:
    """Who is busy when: providers by interval, patients by start (the unique index)."""

    # (provider id, UTC date of the start) -> busy intervals of that provider.
    provider_busy: dict[tuple[str, date], list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    patient_starts: set[tuple[str, datetime]] = field(default_factory=set)

    def provider_free(self, provider_id: str, start: datetime, end: datetime) -> bool:
        # A visit is shorter than a day, so only one started that day or the day before can overlap.
        day = start.date()
        nearby = (
            self.provider_busy[(provider_id, day)]
            + self.provider_busy[(provider_id, day - timedelta(days=1))]
        )
        return all(end <= low or high <= start for low, high in nearby)

    def patient_free(self, patient_id: str, start: datetime) -> bool:
        return (patient_id, start) not in self.patient_starts

    def take(self, provider_id: str, patient_id: str, start: datetime, end: datetime) -> None:
        self.provider_busy[(provider_id, start.date())].append((start, end))
        self.patient_starts.add((patient_id, start))
