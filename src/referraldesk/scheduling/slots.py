"""Open slots: the providers' weeks, cut to office hours, minus closures, time off,
bookings (with buffers) and the past, in each site's own time zone.

Slots are built from wall-clock times on each date and turned into instants with
zoneinfo, so a 09:00 slot stays at 09:00 local on both sides of a DST change. The
search walks dates in order across all candidate providers and stops as soon as
`limit` slots are found that no later date can beat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.scheduling.busy import BusyTimes
from referraldesk.scheduling.calendar import (
    DayClock,
    ProviderWeek,
    Site,
    local_midnight_utc,
    minutes,
    shifts_on,
    slot_starts,
)
from referraldesk.scheduling.loading import (
    ProviderFilter,
    attach_closures,
    load_providers,
    load_sites,
    service_terms,
)
from referraldesk.scheduling.policy import BookingRules, booking_rules
from referraldesk.scheduling.windows import TimeWindow

MAX_LIMIT = 500
MAX_SEARCH_DAYS = 366
_ID_PART = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLOT_TIME_FORMAT = "%Y%m%dT%H%MZ"


@dataclass(frozen=True)
class SlotQuery:
    """What to search for; every filter is optional.

    `start`/`end` are local dates at each site, both included (default: from the
    first bookable day to the practice's booking horizon, which also caps `end`).
    `not_before` defaults to now plus the practice's minimum notice.
    `duration_minutes` defaults to the service's duration, else each provider's
    slot length. A plan of kind self_pay is taken by every provider. A slot fits
    `windows` when any one of them contains it.
    """

    specialty_key: str | None = None
    provider_id: str | None = None
    plan_id: str | None = None
    language: str | None = None
    location_id: str | None = None
    start: date | None = None
    end: date | None = None
    windows: Sequence[TimeWindow] = ()
    duration_minutes: int | None = None
    new_patient: bool = False
    not_before: datetime | None = None
    limit: int = 20
    service_key: str | None = None

    def __post_init__(self) -> None:
        problems = _query_problems(self)
        if problems:
            raise InvalidArgument(f"slot search: {'; '.join(problems)}", field="query")


@dataclass(frozen=True)
class Slot:
    """An open time with one provider at one site; `start`/`end` are aware UTC."""

    id: str
    provider_id: str
    location_id: str
    start: datetime
    end: datetime
    timezone: str
    local_start: datetime
    provider_name: str = ""
    specialty_key: str = ""
    location_name: str = ""
    languages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.local_start.tzinfo)

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def label(self) -> str:
        """Return e.g. "Tue 2026-03-10 07:00 PST" (English day names; the phrasebook localizes)."""
        return self.local_start.strftime("%a %Y-%m-%d %H:%M %Z")

    def as_dict(self) -> dict[str, Any]:
        """Return the slot for tools and the API: times in ISO 8601 with the site's offset."""
        return {
            "id": self.id,
            "start": self.local_start.isoformat(),
            "end": self.local_end.isoformat(),
            "timezone": self.timezone,
            "provider": {
                "id": self.provider_id,
                "name": self.provider_name,
                "specialty": self.specialty_key,
                "languages": list(self.languages),
            },
            "location": {"id": self.location_id, "name": self.location_name},
        }


@dataclass(frozen=True)
class SlotRef:
    """What a slot id says: provider, site and the UTC start."""

    provider_id: str
    location_id: str
    start: datetime


def slot_id(provider_id: str, location_id: str, start: datetime) -> str:
    return f"{provider_id}:{location_id}:{start.astimezone(UTC):{_SLOT_TIME_FORMAT}}"


def parse_slot_id(text: str) -> SlotRef:
    """Read a slot id made by `slot_id`; anything else is an InvalidArgument."""
    parts = text.split(":") if isinstance(text, str) else []
    shape = "<provider id>:<location id>:<YYYYMMDDTHHMMZ>"
    if len(parts) != 3 or not all(_ID_PART.match(part) for part in parts[:2]):
        raise InvalidArgument(
            f"slot id {text!r} is not of the form {shape}; use an id from a slot search",
            field="slot_id",
        )
    try:
        start = datetime.strptime(parts[2], _SLOT_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidArgument(
            f"slot id {text!r} ends in {parts[2]!r}, not a UTC time like 20260310T1500Z",
            field="slot_id",
        ) from exc
    return SlotRef(parts[0], parts[1], start)


def find_slots(session: Session, query: SlotQuery) -> list[Slot]:
    """Return up to `query.limit` open slots, earliest first, ties by provider then site."""
    return _search(session, query, respect_bookings=True)


def next_available(session: Session, query: SlotQuery) -> Slot | None:
    """Return the earliest open slot for the query, or None within its date range."""
    found = find_slots(session, replace(query, limit=1))
    return found[0] if found else None


def slot_at(
    session: Session,
    provider_id: str,
    start: datetime,
    *,
    location_id: str | None = None,
    duration_minutes: int | None = None,
    respect_bookings: bool = True,
) -> Slot | None:
    """Return the slot starting exactly at `start` with this provider, if the calendar has one.

    Booking uses this to re-check a slot by the same rules the search used. With
    `respect_bookings=False` it answers "would this be a slot if nobody had booked it".
    """
    query = SlotQuery(
        provider_id=provider_id,
        location_id=location_id,
        # A site's local date is within a day of the UTC date in any zone.
        start=(start.astimezone(UTC) - timedelta(days=1)).date(),
        end=(start.astimezone(UTC) + timedelta(days=1)).date(),
        duration_minutes=duration_minutes,
        not_before=start,
        limit=8,
    )
    for slot in _search(session, query, respect_bookings=respect_bookings, active_only=False):
        if slot.start == start:
            return slot
    return None


def _search(
    session: Session, query: SlotQuery, *, respect_bookings: bool, active_only: bool = True
) -> list[Slot]:
    # The reads below go to the connection directly; pending changes must be in it.
    session.flush()
    duration, specialty_key = _service_terms(session, query)
    rules = booking_rules(session)
    not_before = query.not_before or rules.earliest()
    sites = load_sites(session)
    first, last = _date_range(query, sites, not_before, rules)
    attach_closures(session, sites, first, last)
    wanted = ProviderFilter(
        specialty_key=specialty_key,
        provider_id=query.provider_id,
        plan_id=query.plan_id,
        language=query.language,
        new_patient=query.new_patient,
        active_only=active_only,
    )
    providers = load_providers(session, wanted, first, last)
    walk = _Walk(query, sites, providers, not_before, duration)
    busy = BusyTimes(session, providers) if respect_bookings else None
    return walk.run(first, last, busy)


class _Walk:
    """Generates slots a few days at a time across providers and stops early."""

    def __init__(
        self,
        query: SlotQuery,
        sites: dict[str, Site],
        providers: list[ProviderWeek],
        not_before: datetime,
        duration: int | None,
    ):
        self.query = query
        self.sites = sites
        self.providers = providers
        self.not_before = not_before
        self.duration = duration
        self.windows = _WindowFilter(query.windows)
        self.zones = {site.timezone: site.zone for site in sites.values()}
        self._clocks: dict[tuple[date, str], DayClock] = {}

    def run(self, first: date, last: date, busy: BusyTimes | None) -> list[Slot]:
        found: list[Slot] = []
        for days in _batches(first, last):
            candidates = [
                candidate
                for day in days
                if self.windows.any_on(day.weekday())
                for candidate in self._candidates(day)
            ]
            if busy is not None and candidates:
                candidates = _free(candidates, busy)
            found.extend(_make_slot(*candidate) for candidate in candidates)
            if self._complete(found, days[-1]):
                break
        found.sort(key=_order)
        return found[: self.query.limit]

    def _complete(self, found: list[Slot], day: date) -> bool:
        # Sites in different zones start their next day at different instants: stop
        # only when the earliest of them is no earlier than the limit-th slot so far.
        if len(found) < self.query.limit:
            return False
        found.sort(key=_order)
        cutoff = found[self.query.limit - 1].start
        next_day = day + timedelta(days=1)
        return all(local_midnight_utc(next_day, zone) >= cutoff for zone in self.zones.values())

    def _candidates(self, day: date) -> Iterator[_Candidate]:
        start_ranges = self.windows.starts_on(day.weekday())
        for provider in self.providers:
            duration = self.duration or provider.slot_minutes
            for shift in shifts_on(provider, self.sites, day):
                if self.query.location_id not in (None, shift.location_id):
                    continue
                site = self.sites[shift.location_id]
                clock = self._clock(day, site)
                for wall in slot_starts(shift, provider.slot_minutes, duration, start_ranges):
                    for start in clock.instants(wall):
                        if start >= self.not_before:
                            yield provider, site, start, duration

    def _clock(self, day: date, site: Site) -> DayClock:
        key = (day, site.timezone)
        clock = self._clocks.get(key)
        if clock is None:
            clock = self._clocks[key] = DayClock(day, site.zone)
        return clock


class _WindowFilter:
    """The windows as weekday -> ranges of start minutes, merged, for the slot grid.

    Equivalent to `TimeWindow.contains` on a slot's local start, whose wall time is
    the grid minute on every date, DST change days included.
    """

    def __init__(self, windows: Sequence[TimeWindow]):
        self.open = not windows
        self.ranges: dict[int, list[tuple[int, int]]] = {}
        for day in range(7):
            spans = [_start_range(window) for window in windows if window.allows_weekday(day)]
            self.ranges[day] = _merged(spans)

    def any_on(self, weekday: int) -> bool:
        return self.open or bool(self.ranges[weekday])

    def starts_on(self, weekday: int) -> list[tuple[int, int]] | None:
        """Return the start-minute ranges for the weekday; None means any time."""
        return None if self.open else self.ranges[weekday]


def _start_range(window: TimeWindow) -> tuple[int, int]:
    low = minutes(window.after) if window.after is not None else 0
    high = minutes(window.before) if window.before is not None else 24 * 60
    return (low, high)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


# (provider, site, start, minutes): cheap to make, since most are dropped as booked.
_Candidate = tuple[ProviderWeek, Site, datetime, int]


def _free(candidates: list[_Candidate], busy: BusyTimes) -> list[_Candidate]:
    """Keep the candidates that meet no booking: one query for the day's providers."""
    lower = min(candidate[2] for candidate in candidates)
    upper = max(candidate[2] + timedelta(minutes=candidate[3]) for candidate in candidates)
    busy.load({candidate[0].id for candidate in candidates}, lower, upper)
    kept: list[_Candidate] = []
    for candidate in candidates:
        start = candidate[2].timestamp()
        if not busy.overlaps(candidate[0].id, start, start + candidate[3] * 60):
            kept.append(candidate)
    return kept


def _make_slot(provider: ProviderWeek, site: Site, start: datetime, duration: int) -> Slot:
    return Slot(
        id=slot_id(provider.id, site.id, start),
        provider_id=provider.id,
        location_id=site.id,
        start=start,
        end=start + timedelta(minutes=duration),
        timezone=site.timezone,
        local_start=start.astimezone(site.zone),
        provider_name=provider.name,
        specialty_key=provider.specialty_key,
        location_name=site.name,
        languages=provider.languages,
    )


def _order(slot: Slot) -> tuple[datetime, str, str]:
    return (slot.start, slot.provider_id, slot.location_id)


def _batches(first: date, last: date) -> Iterator[list[date]]:
    """Yield runs of dates: 1, 2, 4, then 8 at a time.

    Most searches end on the first day or two; one that walks on (a narrow window,
    a full calendar) reads bookings for several days per query instead of one.
    """
    day, size = first, 1
    while day <= last:
        batch = [day + timedelta(days=offset) for offset in range(size)]
        batch = [candidate for candidate in batch if candidate <= last]
        yield batch
        day = batch[-1] + timedelta(days=1)
        size = min(size * 2, 8)


def _date_range(
    query: SlotQuery, sites: dict[str, Site], not_before: datetime, rules: BookingRules
) -> tuple[date, date]:
    """Return the local dates to walk: the query's, cut to what may be booked at all."""
    zones: set[tzinfo] = {site.zone for site in sites.values()} or {UTC}
    earliest = min(not_before.astimezone(zone).date() for zone in zones)
    horizon = max(rules.latest().astimezone(zone).date() for zone in zones)
    first = max(query.start, earliest) if query.start else earliest
    last = min(query.end, horizon) if query.end else horizon
    return first, last


def _service_terms(session: Session, query: SlotQuery) -> tuple[int | None, str | None]:
    """Return (duration, specialty) with the service filling what the query left out."""
    if query.service_key is None:
        return query.duration_minutes, query.specialty_key
    duration, specialty_key = service_terms(session, query.service_key)
    if query.specialty_key not in (None, specialty_key):
        raise InvalidArgument(
            f"service {query.service_key!r} belongs to {specialty_key!r}, "
            f"not {query.specialty_key!r}; drop one of the two",
            field="service_key",
        )
    return query.duration_minutes or duration, specialty_key


def _query_problems(query: SlotQuery) -> list[str]:
    problems: list[str] = []
    if not 1 <= query.limit <= MAX_LIMIT:
        problems.append(f"limit={query.limit} must be between 1 and {MAX_LIMIT}")
    if query.duration_minutes is not None and not 5 <= query.duration_minutes <= 8 * 60:
        problems.append(f"duration_minutes={query.duration_minutes} must be between 5 and 480")
    if query.not_before is not None and query.not_before.tzinfo is None:
        problems.append(f"not_before={query.not_before.isoformat()} needs a UTC offset")
    if query.start and query.end and query.end < query.start:
        problems.append(f"end {query.end} is before start {query.start}: swap them")
    if query.start and query.end and (query.end - query.start).days >= MAX_SEARCH_DAYS:
        problems.append(
            f"{query.start}..{query.end} spans more than {MAX_SEARCH_DAYS} days; narrow it"
        )
    return problems
