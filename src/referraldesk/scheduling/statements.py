"""The SQL of the slot search, built once and reused with bound parameters.

Building a SELECT and its cache key costs more in Python than running it on a
small table; a search issues about ten of them, so they are made once per shape.
They hold no data: every call reads the rows afresh.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Float, Integer, Select, bindparam, cast, func, select

from referraldesk.models import (
    BOOKED,
    Appointment,
    AvailabilityBlock,
    AvailabilityException,
    Closure,
    Location,
    OfficeHours,
    Plan,
    Practice,
    Provider,
    Service,
    provider_locations,
    provider_plans,
)

IDS: BindParameter[Any] = bindparam("ids", expanding=True)
AnySelect = Select[*tuple[Any, ...]]

POLICY = select(Practice.policy).order_by(Practice.id).limit(1)
PLAN_KIND = select(Plan.kind).where(Plan.id == bindparam("plan_id"))
SERVICE_TERMS = select(Service.duration_minutes, Service.specialty_key).where(
    Service.key == bindparam("service_key")
)
SITES = (
    select(
        Location.id,
        Location.name,
        Location.timezone,
        OfficeHours.weekday,
        OfficeHours.opens,
        OfficeHours.closes,
    )
    .outerjoin(OfficeHours, OfficeHours.location_id == Location.id)
    .order_by(Location.id)
)
CLOSURES = select(Closure.location_id, Closure.starts_on, Closure.ends_on).where(
    Closure.starts_on <= bindparam("last"), Closure.ends_on >= bindparam("first")
)
PROVIDER_SITES = (
    select(provider_locations.c.provider_id, provider_locations.c.location_id)
    .where(provider_locations.c.provider_id.in_(IDS))
    .order_by(provider_locations.c.provider_id, provider_locations.c.location_id)
)
BLOCKS = select(
    AvailabilityBlock.provider_id,
    AvailabilityBlock.location_id,
    AvailabilityBlock.weekday,
    AvailabilityBlock.starts,
    AvailabilityBlock.ends,
    AvailabilityBlock.valid_from,
    AvailabilityBlock.valid_until,
).where(AvailabilityBlock.provider_id.in_(IDS))
EXCEPTIONS = select(
    AvailabilityException.provider_id,
    AvailabilityException.on_date,
    AvailabilityException.kind,
    AvailabilityException.starts,
    AvailabilityException.ends,
    AvailabilityException.location_id,
).where(
    AvailabilityException.provider_id.in_(IDS),
    AvailabilityException.on_date >= bindparam("first"),
    AvailabilityException.on_date <= bindparam("last"),
)


@lru_cache(maxsize=64)
def providers(
    *, specialty: bool, provider: bool, new_patient: bool, plan: bool, active_only: bool
) -> AnySelect:
    """Providers with the filters that are set; their values are bound at execution."""
    stmt: AnySelect = select(
        Provider.id,
        Provider.title,
        Provider.given_name,
        Provider.family_name,
        Provider.specialty_key,
        Provider.languages,
        Provider.slot_minutes,
        Provider.buffer_minutes,
    )
    if active_only:
        stmt = stmt.where(Provider.active.is_(True))
    if specialty:
        stmt = stmt.where(Provider.specialty_key == bindparam("specialty_key"))
    if provider:
        stmt = stmt.where(Provider.id == bindparam("provider_id"))
    if new_patient:
        stmt = stmt.where(Provider.accepting_new_patients.is_(True))
    if plan:
        in_network = select(provider_plans.c.provider_id).where(
            provider_plans.c.plan_id == bindparam("plan_id")
        )
        stmt = stmt.where(Provider.id.in_(in_network))
    return stmt


@lru_cache(maxsize=4)
def bookings(dialect: str) -> AnySelect:
    """Booked spans reaching into [low, high), as epoch seconds, for providers `ids`.

    `start_at >= low - longest visit` bounds the index range; `end_at > low` keeps
    only the bookings still running at `low`.
    """
    return select(
        Appointment.id,
        Appointment.provider_id,
        _epoch(dialect, Appointment.start_at),
        _epoch(dialect, Appointment.end_at),
    ).where(
        Appointment.provider_id.in_(IDS),
        Appointment.status == BOOKED,
        Appointment.start_at >= bindparam("scan_from", type_=Appointment.start_at.type),
        Appointment.start_at < bindparam("high", type_=Appointment.start_at.type),
        Appointment.end_at > bindparam("low", type_=Appointment.end_at.type),
    )


def _epoch(dialect: str, column: Any) -> Any:
    if dialect == "sqlite":
        # UTCDateTime keeps naive UTC text on SQLite; strftime reads it as UTC.
        return cast(func.strftime("%s", column), Integer)
    return cast(func.extract("epoch", column), Float)
