"""Reading FHIR search parameters for Slot, Appointment and $find into our terms.

Dates follow FHIR's prefixes (`ge2026-04-14`, `lt2026-04-14T17:00:00Z`; none
means eq). A bare date covers that whole day in the practice's zone. A value we
cannot read is refused naming its parameter, never dropped: a dropped filter
answers more than was asked (every provider's slots).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from referraldesk.errors import InvalidArgument

PREFIXES = ("eq", "ge", "gt", "le", "lt")
DEFAULT_COUNT = 100
MAX_COUNT = 500
# How deep a Slot search pages (`_getpagesoffset`, as HAPI names it): past this, a
# client narrows `start` instead of asking a search to be run ever longer.
MAX_OFFSET = 5_000
_COUNT = re.compile(r"[0-9]{1,3}")
_OFFSET = re.compile(r"[0-9]{1,4}")
# Wide enough for any appointment and any birth date; the calendar's own ends
# (years 1 and 9999) overflow when a day is widened or moved to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2200
ACTOR_KINDS = ("Practitioner", "Location")


@dataclass(frozen=True)
class TimeBounds:
    """Slot starts in [lower, upper]; None: no bound that side."""

    lower: datetime | None = None
    upper: datetime | None = None

    def contains(self, start: datetime) -> bool:
        return (self.lower is None or start >= self.lower) and (
            self.upper is None or start <= self.upper
        )


@dataclass(frozen=True)
class SlotSearch:
    """A Slot search: schedules, actors and specialty narrow it; bounds cut it in time."""

    schedule_ids: tuple[str, ...] = ()
    practitioner_ids: tuple[str, ...] = ()
    location_ids: tuple[str, ...] = ()
    specialty: str | None = None
    bounds: TimeBounds = field(default_factory=TimeBounds)
    status: str = "free"
    count: int = DEFAULT_COUNT
    # Matches skipped before this page (the `next` link of the page before).
    offset: int = 0


def time_bounds(values: Sequence[str], zone: ZoneInfo, name: str = "start") -> TimeBounds:
    """Combine repeated date parameters (`start=ge..&start=le..`) into one range."""
    lower: datetime | None = None
    upper: datetime | None = None
    for raw in values:
        prefix, text = (raw[:2], raw[2:]) if raw[:2] in PREFIXES else ("eq", raw)
        first, last = _moment_range(text, zone, name)
        if prefix in ("ge", "eq"):
            lower = max(lower, first) if lower else first
        if prefix == "gt":
            after = last + timedelta(seconds=1)
            lower = max(lower, after) if lower else after
        if prefix in ("le", "eq"):
            upper = min(upper, last) if upper else last
        if prefix == "lt":
            before = first - timedelta(seconds=1)
            upper = min(upper, before) if upper else before
    if lower and upper and upper < lower:
        raise InvalidArgument(f"{name}: the range ends before it begins; swap them", field=name)
    return TimeBounds(lower, upper)


def count_of(value: str | None) -> int:
    if value is None:
        return DEFAULT_COUNT
    # ASCII digits only: str.isdigit() takes "٣" and "³", and int() refuses the second.
    if not _COUNT.fullmatch(value) or not 1 <= int(value) <= MAX_COUNT:
        raise InvalidArgument(
            f"_count={value!r} must be a whole number 1-{MAX_COUNT}", field="_count"
        )
    return int(value)


def offset_of(value: str | None) -> int:
    if value is None:
        return 0
    if not _OFFSET.fullmatch(value) or int(value) > MAX_OFFSET:
        raise InvalidArgument(
            f"_getpagesoffset={value!r} must be a whole number 0-{MAX_OFFSET}; "
            "narrow start to see later slots",
            field="_getpagesoffset",
        )
    return int(value)


def references(values: Sequence[str], kind: str, name: str) -> tuple[str, ...]:
    """Ids from `Kind/id` references, comma lists and repeats allowed."""
    ids: list[str] = []
    for raw in values:
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            if "/" in part and not part.startswith(f"{kind}/"):
                raise InvalidArgument(f"{name}={part!r} must refer to a {kind}", field=name)
            ids.append(part.removeprefix(f"{kind}/"))
    return tuple(ids)


def actor_references(given: Sequence[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Practitioner ids and Location ids from (parameter name, value) pairs of actor searches.

    Each value is a comma list of `Practitioner/<id>` or `Location/<id>`, and a list
    is FHIR's OR. We narrow by practitioner AND location, so one list names one kind;
    repeat the parameter to ask for a practitioner at a location.
    """
    found: dict[str, list[str]] = {kind: [] for kind in ACTOR_KINDS}
    for name, raw in given:
        kinds = set()
        for part in filter(None, (piece.strip() for piece in raw.split(","))):
            kind, _, actor_id = part.partition("/")
            if kind not in ACTOR_KINDS or not actor_id or "/" in actor_id:
                raise InvalidArgument(
                    f"{name}={part!r} must be a reference like Practitioner/<id> or "
                    "Location/<id> (GET /fhir/Practitioner lists the ids)", field=name)
            kinds.add(kind)
            found[kind].append(actor_id)
        if len(kinds) > 1:
            raise InvalidArgument(
                f"{name}={raw!r} mixes practitioners and locations in one list (any of "
                f"them); repeat {name} instead, once for each, to ask for a practitioner "
                "at a location", field=name)
    return tuple(found["Practitioner"]), tuple(found["Location"])


def token(value: str | None) -> str | None:
    """The code of a token parameter (`system|code` or `code`), lower-cased."""
    if not value:
        return None
    return value.rsplit("|", 1)[-1].strip().lower() or None


def _moment_range(text: str, zone: ZoneInfo, name: str) -> tuple[datetime, datetime]:
    """The first and last instant `text` names: a whole local day for a bare date."""
    moment = _moment(text, zone)
    if moment is None:
        raise InvalidArgument(
            f"{name}={text!r} is not a FHIR date (2026-04-14) or dateTime with an offset "
            "(2026-04-14T17:00:00Z)",
            field=name,
        )
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidArgument(
            f"{name}={text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} we search",
            field=name,
        )
    if len(text) == 10:
        return moment.astimezone(UTC), (moment + timedelta(days=1, seconds=-1)).astimezone(UTC)
    return moment.astimezone(UTC), moment.astimezone(UTC)


def _moment(text: str, zone: ZoneInfo) -> datetime | None:
    """The instant `text` names (a bare date: its local midnight); None when it names none."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), zone)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
