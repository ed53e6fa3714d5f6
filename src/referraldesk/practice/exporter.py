"""Write the practice as it is in the database back out as a practice file.

The output loads back to the same practice: `parse_config(export(session))` equals
`canonical(config)` of the config that was loaded. `canonical` is the one agreed
shape (sections sorted by key, a provider's plans by key, blocks grouped by their
times), so a file and its export can be compared.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referraldesk.errors import NotFound
from referraldesk.models import (
    Closure,
    Location,
    Plan,
    Practice,
    Provider,
    ReferringPractice,
    Service,
    Specialty,
)
from referraldesk.practice.checks import plan_lookup
from referraldesk.practice.fields import WEEKDAYS, Span
from referraldesk.practice.schema import (
    BlockConfig,
    ClosureConfig,
    ExceptionConfig,
    LocationConfig,
    PlanConfig,
    PracticeConfig,
    PracticeInfo,
    PracticePolicy,
    ProviderConfig,
    ReferringPracticeConfig,
    ServiceConfig,
    SpecialtyConfig,
)
from referraldesk.practice.yamlio import dump

HEADER = (
    "# Practice configuration exported by referraldesk.\n"
    "# Load it with `referraldesk practice load FILE`.\n"
)


def export(session: Session) -> str:
    """The practice's configuration as YAML; raises NotFound when none was loaded."""
    config = current_config(session)
    return HEADER + dump(config.model_dump(mode="json", exclude_none=True))


def current_config(session: Session) -> PracticeConfig:
    practice = session.scalars(select(Practice).order_by(Practice.id)).first()
    if practice is None:
        raise NotFound(
            "no practice is configured yet; load one with `referraldesk practice load FILE`"
        )
    locations = session.scalars(select(Location).options(selectinload(Location.hours))).all()
    location_keys = {row.id: row.key for row in locations}
    specialties = session.scalars(select(Specialty)).all()
    config = PracticeConfig(
        practice=PracticeInfo(
            name=practice.name,
            phone=practice.phone,
            staff_phone=practice.staff_phone,
            timezone=practice.timezone,
            languages=list(practice.languages),
            coverage_mode=practice.coverage_mode,  # type: ignore[arg-type]
            policy=PracticePolicy.model_validate(practice.policy or {}),
        ),
        locations=[_location(row) for row in locations],
        closures=[_closure(row, location_keys) for row in session.scalars(select(Closure))],
        specialties=[
            SpecialtyConfig(
                key=row.key, nucc=row.nucc_code, label_en=row.label_en, label_es=row.label_es
            )
            for row in specialties
        ],
        plans=[
            PlanConfig(
                key=row.key,
                name=row.name,
                payer=row.payer,
                kind=row.kind,  # type: ignore[arg-type]
                aliases=list(row.aliases),
            )
            for row in session.scalars(select(Plan))
        ],
        referring_practices=[
            ReferringPracticeConfig(
                name=row.name,
                npi=row.npi,
                protocol=row.protocol,  # type: ignore[arg-type]
                endpoint=row.endpoint,
                fax=row.fax,
                email=row.email,
            )
            for row in session.scalars(select(ReferringPractice))
        ],
        providers=[_provider(row, location_keys) for row in _providers(session)],
        services=[
            ServiceConfig(
                key=row.key,
                name_en=row.name_en,
                name_es=row.name_es,
                cpt=row.cpt,
                duration_minutes=row.duration_minutes,
                specialty=row.specialty_key,
                new_patient=row.new_patient,
            )
            for row in session.scalars(select(Service))
        ],
    )
    return canonical(config)


def _providers(session: Session) -> list[Provider]:
    query = select(Provider).options(
        selectinload(Provider.locations),
        selectinload(Provider.plans),
        selectinload(Provider.blocks),
        selectinload(Provider.exceptions),
    )
    return list(session.scalars(query))


def _location(row: Location) -> LocationConfig:
    hours: dict[str, list[Span]] = defaultdict(list)
    for opening in row.hours:
        hours[WEEKDAYS[opening.weekday]].append(Span(start=opening.opens, end=opening.closes))
    return LocationConfig(
        key=row.key,
        name=row.name,
        address=row.address,
        city=row.city,
        state=row.state,
        postal_code=row.postal_code,
        phone=row.phone,
        timezone=row.timezone,
        hours=dict(hours),
    )


def _closure(row: Closure, location_keys: dict[str, str]) -> ClosureConfig:
    return ClosureConfig(
        name=row.name,
        date=row.starts_on,
        until=row.ends_on if row.ends_on != row.starts_on else None,
        location=location_keys.get(row.location_id) if row.location_id else None,
    )


def _provider(row: Provider, location_keys: dict[str, str]) -> ProviderConfig:
    blocks = [
        BlockConfig(
            days=[WEEKDAYS[block.weekday]],
            start=block.starts,
            end=block.ends,
            location=location_keys[block.location_id],
            valid_from=block.valid_from,
            valid_until=block.valid_until,
        )
        for block in row.blocks
    ]
    exceptions = [
        ExceptionConfig(
            date=item.on_date,
            kind=item.kind,  # type: ignore[arg-type]
            start=item.starts,
            end=item.ends,
            location=location_keys.get(item.location_id) if item.location_id else None,
            reason=item.reason,
        )
        for item in row.exceptions
    ]
    return ProviderConfig(
        npi=row.npi,
        title=row.title,
        given_name=row.given_name,
        family_name=row.family_name,
        credentials=row.credentials,
        specialty=row.specialty_key,
        taxonomy=row.taxonomy_code,
        languages=list(row.languages),
        locations=[loc.key for loc in row.locations],
        plans=[plan.key for plan in row.plans],
        accepting_new_patients=row.accepting_new_patients,
        telehealth=row.telehealth,
        slot_minutes=row.slot_minutes,
        buffer_minutes=row.buffer_minutes,
        active=row.active,
        bio=row.bio,
        blocks=blocks,
        exceptions=exceptions,
    )


def canonical(config: PracticeConfig) -> PracticeConfig:
    """The same practice in the exporter's order and grouping, for comparing two configs."""
    nucc = {item.key: item.nucc for item in config.specialties}
    plan_keys = plan_lookup(config.plans)
    providers = [
        provider.model_copy(
            update={
                "taxonomy": None
                if provider.taxonomy == nucc.get(provider.specialty)
                else provider.taxonomy,
                "locations": sorted(set(provider.locations)),
                "plans": sorted({plan_keys.get(name.casefold(), name) for name in provider.plans}),
                "blocks": _grouped_blocks(provider.blocks),
                "exceptions": sorted(provider.exceptions, key=_exception_order),
            }
        )
        for provider in config.providers
    ]
    return config.model_copy(
        update={
            "locations": sorted(
                (_sorted_hours(item) for item in config.locations), key=lambda item: item.key
            ),
            "closures": sorted(config.closures, key=lambda c: (c.date, c.name, c.location or "")),
            "specialties": sorted(config.specialties, key=lambda item: item.key),
            "plans": sorted(config.plans, key=lambda item: item.key),
            "referring_practices": sorted(config.referring_practices, key=lambda item: item.name),
            "providers": sorted(
                providers, key=lambda p: (p.specialty, p.family_name, p.given_name, p.npi)
            ),
            "services": sorted(config.services, key=lambda item: (item.specialty, item.key)),
        }
    )


def _sorted_hours(location: LocationConfig) -> LocationConfig:
    hours = {
        day: sorted(location.hours[day], key=lambda span: span.start)
        for day in WEEKDAYS
        if location.hours.get(day)
    }
    return location.model_copy(update={"hours": hours})


def _grouped_blocks(blocks: list[BlockConfig]) -> list[BlockConfig]:
    """One block per distinct (site, times, validity), with all its weekdays."""
    days: dict[tuple[str, time, time, date | None, date | None], set[str]] = defaultdict(set)
    for block in blocks:
        days[(block.location, block.start, block.end, block.valid_from, block.valid_until)].update(
            block.days
        )
    grouped = [
        BlockConfig(
            days=sorted(weekdays, key=WEEKDAYS.index),
            start=start,
            end=end,
            location=location,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for (location, start, end, valid_from, valid_until), weekdays in days.items()
    ]
    return sorted(grouped, key=_block_order)


def _block_order(block: BlockConfig) -> tuple[Any, ...]:
    return (
        WEEKDAYS.index(block.days[0]),
        block.start,
        block.location,
        block.valid_from or date.min,
    )


def _exception_order(item: ExceptionConfig) -> tuple[Any, ...]:
    return (item.date, item.kind, item.start or time.min, item.location or "")
