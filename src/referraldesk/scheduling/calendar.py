"""A practice's week as plain data, and the wall-clock arithmetic on it.

Spans are minutes from local midnight at a site (09:00-17:00 is (540, 1020)); an end
of 00:00 means midnight at the end of the day (1440). Nothing here touches the
database, so the slot search can walk many days without a query per day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[int, int]
DAY_MINUTES = 24 * 60
WHOLE_DAY: Span = (0, DAY_MINUTES)


def minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def span_of(starts: time, ends: time) -> Span:
    """Return a wall-clock span; an end at 00:00 is the midnight that closes the day."""
    end = minutes(ends)
    return (minutes(starts), DAY_MINUTES if end == 0 else end)


@dataclass
class Site:
    """A location: its zone, its weekly hours and the dates it is closed."""

    id: str
    name: str
    timezone: str
    zone: ZoneInfo
    # weekday -> opening spans; None when the site has no hours configured at all,
    # in which case the providers' own blocks decide.
    hours: dict[int, list[Span]] | None
    closed_on: set[date] = field(default_factory=set)

    def hours_on(self, day: date) -> list[Span] | None:
        if self.hours is None:
            return None
        return self.hours.get(day.weekday(), [])


@dataclass(frozen=True)
class Block:
    location_id: str
    span: Span
    valid_from: date | None
    valid_until: date | None

    def applies_on(self, day: date) -> bool:
        after_start = self.valid_from is None or day >= self.valid_from
        return after_start and (self.valid_until is None or day <= self.valid_until)


@dataclass
class ProviderWeek:
    """One provider's weekly blocks and the changes to single dates."""

    id: str
    name: str
    specialty_key: str
    languages: tuple[str, ...]
    slot_minutes: int
    buffer_minutes: int
    location_ids: tuple[str, ...]
    blocks: dict[int, list[Block]] = field(default_factory=dict)
    off: dict[date, list[Span]] = field(default_factory=dict)
    extra: dict[date, list[tuple[str, Span]]] = field(default_factory=dict)

    def default_location(self) -> str | None:
        """Where an added span without a site happens: the provider's one site, if any."""
        if self.location_ids:
            return self.location_ids[0]
        for blocks in self.blocks.values():
            if blocks:
                return blocks[0].location_id
        return None


@dataclass(frozen=True)
class Shift:
    """A stretch of work on one date at one site: slots start on a grid from `anchor`."""

    location_id: str
    anchor: int
    end: int
    allowed: list[Span]


def shifts_on(provider: ProviderWeek, sites: dict[str, Site], day: date) -> list[Shift]:
    """Return where and when the provider sees patients on `day`, in wall minutes.

    Weekly blocks are cut to the site's office hours; spans added for the date are
    not, since opening a site outside its usual hours is exactly what they are for.
    Closures and the provider's time off remove time from both.
    """
    off = provider.off.get(day, [])
    found: list[Shift] = []
    for block in provider.blocks.get(day.weekday(), []):
        site = sites.get(block.location_id)
        if site is None or day in site.closed_on or not block.applies_on(day):
            continue
        hours = site.hours_on(day)
        allowed = [block.span] if hours is None else intersect([block.span], hours)
        found.append(Shift(block.location_id, block.span[0], block.span[1], subtract(allowed, off)))
    for location_id, span in provider.extra.get(day, []):
        site = sites.get(location_id)
        if site is None or day in site.closed_on:
            continue
        found.append(Shift(location_id, span[0], span[1], subtract([span], off)))
    return found


def slot_starts(
    shift: Shift, step: int, duration: int, start_ranges: list[Span] | None = None
) -> Iterator[int]:
    """Yield, in order, grid starts whose whole visit lies inside an allowed span.

    `start_ranges` (sorted, disjoint) limits where a start may fall: [low, high)
    in wall minutes, as a time window asks.
    """
    for low, high in shift.allowed:
        for range_low, range_high in start_ranges or [WHOLE_DAY]:
            earliest = max(low, range_low)
            # The first grid point at or after `earliest`, counting from the anchor.
            start = shift.anchor + -((shift.anchor - earliest) // step) * step
            while start + duration <= high and start < range_high:
                yield start
                start += step


def intersect(spans: list[Span], others: list[Span]) -> list[Span]:
    result = [
        (max(low, other_low), min(high, other_high))
        for low, high in spans
        for other_low, other_high in others
        if max(low, other_low) < min(high, other_high)
    ]
    return sorted(result)


def subtract(spans: list[Span], cuts: list[Span]) -> list[Span]:
    result = list(spans)
    for cut_low, cut_high in cuts:
        pieces: list[Span] = []
        for low, high in result:
            if cut_high <= low or cut_low >= high:
                pieces.append((low, high))
                continue
            if low < cut_low:
                pieces.append((low, cut_low))
            if cut_high < high:
                pieces.append((cut_high, high))
        result = pieces
    return result


class DayClock:
    """Turns wall minutes on one date at one site into real instants.

    On most days a wall minute is midnight plus that many minutes. On a DST change
    day it is not: a wall time in the spring-forward gap never happens (no instant),
    and one in the repeated autumn hour happens twice (two instants, fold 0 and 1),
    so those days go through zoneinfo one wall time at a time.
    """

    def __init__(self, day: date, zone: ZoneInfo):
        self.day = day
        self.zone = zone
        midnight = datetime.combine(day, time(0), zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), zone)
        offsets = {
            midnight.utcoffset(),
            midnight.replace(fold=1).utcoffset(),
            next_midnight.utcoffset(),
        }
        self.steady = len(offsets) == 1
        self.midnight_utc = midnight.astimezone(UTC)

    def instants(self, wall_minute: int) -> list[datetime]:
        """Return the UTC instants at which the wall clock shows `wall_minute` (0, 1 or 2)."""
        if self.steady:
            return [self.midnight_utc + timedelta(minutes=wall_minute)]
        hour, minute = divmod(wall_minute, 60)
        naive = datetime.combine(self.day, time(hour, minute))
        found: list[datetime] = []
        for fold in (0, 1):
            instant = naive.replace(tzinfo=self.zone, fold=fold).astimezone(UTC)
            # A wall time in the gap does not survive the round trip; the second
            # fold of an ordinary time is the same instant as the first.
            round_trip = instant.astimezone(self.zone).replace(tzinfo=None)
            if round_trip == naive and instant not in found:
                found.append(instant)
        return found


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)
