"""Read the practice's week for the slot search in a handful of queries.

Nothing is kept between calls: hours, closures and bookings change under a running
server, and a cached week would offer slots that are gone. The queries go straight
to the session's connection (the rows are plain values, not ORM objects); callers
flush first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.scheduling import statements
from referraldesk.scheduling.calendar import WHOLE_DAY, Block, ProviderWeek, Site, span_of

SELF_PAY = "self_pay"


@dataclass(frozen=True)
class ProviderFilter:
    specialty_key: str | None = None
    provider_id: str | None = None
    plan_id: str | None = None
    language: str | None = None
    new_patient: bool = False
    active_only: bool = True


def load_providers(
    session: Session, wanted: ProviderFilter, first: date, last: date
) -> list[ProviderWeek]:
    """Return the providers that pass the filter, each with its week and date changes."""
    weeks = {
        row.id: ProviderWeek(
            id=row.id,
            name=_display_name(row.title, row.given_name, row.family_name),
            specialty_key=row.specialty_key,
            languages=tuple(row.languages or ()),
            slot_minutes=row.slot_minutes,
            buffer_minutes=row.buffer_minutes,
            location_ids=(),
        )
        for row in _provider_rows(session, wanted)
        if _speaks(row.languages, wanted.language)
    }
    if weeks:
        ids = sorted(weeks)
        _attach_locations(session, weeks, ids)
        _attach_blocks(session, weeks, ids)
        _attach_exceptions(session, weeks, ids, first, last)
    return [weeks[key] for key in sorted(weeks)]


def load_sites(session: Session) -> dict[str, Site]:
    """Return every site with its weekly hours (closures come from `attach_closures`)."""
    sites: dict[str, Site] = {}
    for row in _run(session, statements.SITES):
        site = sites.get(row.id)
        if site is None:
            site = sites[row.id] = Site(row.id, row.name, row.timezone, _zone(row), hours=None)
        if row.weekday is not None:
            if site.hours is None:
                site.hours = {}
            site.hours.setdefault(row.weekday, []).append(span_of(row.opens, row.closes))
    return sites


def attach_closures(session: Session, sites: dict[str, Site], first: date, last: date) -> None:
    """Mark the dates in [first, last] on which each site is closed."""
    for location_id, starts_on, ends_on in _run(
        session, statements.CLOSURES, first=first, last=last
    ):
        day = max(starts_on, first)
        span = (min(ends_on, last) - day).days + 1
        closed = {day + timedelta(days=offset) for offset in range(span)}
        # A closure without a site closes every site (a practice-wide holiday).
        targets = sites.values() if location_id is None else [sites[location_id]]
        for site in targets:
            site.closed_on |= closed


def plan_kind(session: Session, plan_id: str) -> str:
    kind = _run(session, statements.PLAN_KIND, plan_id=plan_id).scalar()
    if kind is None:
        raise NotFound(f"no plan with id {plan_id!r}; look plans up by name first", field="plan_id")
    return str(kind)


def service_terms(session: Session, service_key: str) -> tuple[int, str]:
    """Return a service's (duration in minutes, specialty key)."""
    row = _run(session, statements.SERVICE_TERMS, service_key=service_key).first()
    if row is None:
        raise NotFound(f"no service with key {service_key!r}", field="service_key")
    return row.duration_minutes, row.specialty_key


def _provider_rows(session: Session, wanted: ProviderFilter) -> Sequence[Any]:
    # Self-pay is welcome everywhere; any other plan must be on the provider's list.
    plan_id = wanted.plan_id
    if plan_id is not None and plan_kind(session, plan_id) == SELF_PAY:
        plan_id = None
    stmt = statements.providers(
        specialty=wanted.specialty_key is not None,
        provider=wanted.provider_id is not None,
        new_patient=wanted.new_patient,
        plan=plan_id is not None,
        active_only=wanted.active_only,
    )
    params = {
        "specialty_key": wanted.specialty_key,
        "provider_id": wanted.provider_id,
        "plan_id": plan_id,
    }
    return _run(
        session, stmt, **{key: value for key, value in params.items() if value is not None}
    ).all()


def _attach_locations(session: Session, weeks: dict[str, ProviderWeek], ids: list[str]) -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for provider_id, location_id in _run(session, statements.PROVIDER_SITES, ids=ids):
        found[provider_id].append(location_id)
    for provider_id, location_ids in found.items():
        weeks[provider_id].location_ids = tuple(location_ids)


def _attach_blocks(session: Session, weeks: dict[str, ProviderWeek], ids: list[str]) -> None:
    for row in _run(session, statements.BLOCKS, ids=ids):
        span = span_of(row.starts, row.ends)
        block = Block(row.location_id, span, row.valid_from, row.valid_until)
        weeks[row.provider_id].blocks.setdefault(row.weekday, []).append(block)
    for week in weeks.values():
        for blocks in week.blocks.values():
            blocks.sort(key=lambda block: (block.span, block.location_id))


def _attach_exceptions(
    session: Session, weeks: dict[str, ProviderWeek], ids: list[str], first: date, last: date
) -> None:
    for row in _run(session, statements.EXCEPTIONS, ids=ids, first=first, last=last):
        week = weeks[row.provider_id]
        has_times = row.starts is not None and row.ends is not None
        span = span_of(row.starts, row.ends) if has_times else WHOLE_DAY
        if row.kind == "off":
            week.off.setdefault(row.on_date, []).append(span)
            continue
        location_id = row.location_id or week.default_location()
        if row.kind == "extra" and has_times and location_id is not None:
            week.extra.setdefault(row.on_date, []).append((location_id, span))


def _run(session: Session, stmt: Any, **params: Any) -> Any:
    return session.connection().execute(stmt, params)


def _zone(location: object) -> ZoneInfo:
    name = getattr(location, "timezone", "")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidArgument(
            f"site {getattr(location, 'name', '?')!r} has time zone {name!r}, which is not an "
            "IANA zone; set one like America/Los_Angeles in the practice config",
            field="timezone",
        ) from exc


def _speaks(languages: Sequence[str] | None, wanted: str | None) -> bool:
    if wanted is None:
        return True
    base = wanted.lower().split("-")[0]
    return any(spoken.lower().split("-")[0] == base for spoken in languages or ())


def _display_name(title: str | None, given_name: str, family_name: str) -> str:
    prefix = f"{title} " if title else ""
    return f"{prefix}{given_name} {family_name}"
