"""Write a checked practice config into the database, by natural keys, idempotently.

Everything happens in the caller's transaction: this module flushes and never
commits. Rows are matched by their natural keys (location key, specialty key, plan
key, provider NPI, service key, referring practice name), so loading the same file
twice changes nothing. What the file no longer lists is removed only when nothing
points at it; a provider with bookings or history is deactivated instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.models import (
    BOOKED,
    Appointment,
    AvailabilityBlock,
    AvailabilityException,
    Closure,
    Coverage,
    Location,
    OfficeHours,
    Plan,
    Practice,
    Provider,
    Referral,
    ReferringPractice,
    Service,
    Specialty,
    provider_locations,
)
from referraldesk.practice.checks import plan_lookup
from referraldesk.practice.fields import WEEKDAYS
from referraldesk.practice.report import LoadReport
from referraldesk.practice.schema import (
    ClosureConfig,
    LocationConfig,
    PlanConfig,
    PracticeConfig,
    PracticeInfo,
    ProviderConfig,
    ReferringPracticeConfig,
    ServiceConfig,
    SpecialtyConfig,
)


def apply_config(session: Session, config: PracticeConfig, report: LoadReport) -> None:
    _apply_practice(session, config.practice, report)
    specialties = _apply_specialties(session, config.specialties, report)
    plans = _apply_plans(session, config.plans, report)
    locations = _apply_locations(session, config.locations, report)
    _apply_closures(session, config.closures, locations, report)
    _apply_referring_practices(session, config.referring_practices, report)
    _apply_providers(session, config, specialties, plans, locations, report)
    _apply_services(session, config.services, report)
    session.flush()

    # Dependents first: a provider removed here may be the last user of a plan.
    _remove_providers(session, {p.npi for p in config.providers}, report)
    _remove_services(session, {s.key for s in config.services}, report)
    _remove_plans(session, {p.key for p in config.plans}, report)
    _remove_locations(session, {loc.key for loc in config.locations}, report)
    _remove_specialties(session, {s.key for s in config.specialties}, report)
    _remove_referring_practices(session, {r.name for r in config.referring_practices}, report)
    session.flush()


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    row: Any | None,
    model: type,
    values: dict[str, Any],
    kind: str,
    report: LoadReport,
) -> tuple[Any, str]:
    """Create or update one row by its natural key; returns it and created|updated|same."""
    if row is None:
        row = model(**values)
        session.add(row)
        report.created[kind] += 1
        return row, "created"
    if _assign(row, values):
        report.updated[kind] += 1
        return row, "updated"
    return row, "same"


def _apply_practice(session: Session, info: PracticeInfo, report: LoadReport) -> None:
    # One practice per installation: the file updates the one row there is.
    row = session.scalars(select(Practice).order_by(Practice.id)).first()
    values = info.model_dump(mode="json")
    _upsert(session, row, Practice, values, "practice", report)


def _apply_specialties(
    session: Session, items: Sequence[SpecialtyConfig], report: LoadReport
) -> dict[str, Specialty]:
    existing = {row.key: row for row in session.scalars(select(Specialty))}
    result = {}
    for item in items:
        values = {
            "key": item.key,
            "nucc_code": item.nucc,
            "label_en": item.label_en,
            "label_es": item.label_es,
        }
        result[item.key], _ = _upsert(
            session, existing.get(item.key), Specialty, values, "specialties", report
        )
    return result


def _apply_plans(
    session: Session, items: Sequence[PlanConfig], report: LoadReport
) -> dict[str, Plan]:
    existing = {row.key: row for row in session.scalars(select(Plan))}
    result = {}
    for item in items:
        values = item.model_dump(mode="json")
        result[item.key], _ = _upsert(
            session, existing.get(item.key), Plan, values, "plans", report
        )
    return result


def _apply_locations(
    session: Session, items: Sequence[LocationConfig], report: LoadReport
) -> dict[str, Location]:
    existing = {row.key: row for row in session.scalars(select(Location))}
    result = {}
    for item in items:
        values = item.model_dump(mode="json", exclude={"hours"})
        row, state = _upsert(session, existing.get(item.key), Location, values, "locations", report)
        if _sync_hours(row, item) and state == "same":
            report.updated["locations"] += 1
        result[item.key] = row
    session.flush()
    return result


def _sync_hours(row: Location, item: LocationConfig) -> bool:
    wanted = {
        (WEEKDAYS.index(day), span.start, span.end)
        for day, spans in item.hours.items()
        for span in spans
    }
    have = {(h.weekday, h.opens, h.closes) for h in row.hours}
    if wanted == have:
        return False
    row.hours = [h for h in row.hours if (h.weekday, h.opens, h.closes) in wanted]
    for weekday, opens, closes in sorted(wanted - have):
        row.hours.append(OfficeHours(weekday=weekday, opens=opens, closes=closes))
    return True


def _apply_closures(
    session: Session,
    items: Sequence[ClosureConfig],
    locations: dict[str, Location],
    report: LoadReport,
) -> None:
    wanted = {
        (
            item.name,
            item.date,
            item.last_day,
            locations[item.location].id if item.location else None,
        )
        for item in items
    }
    for row in session.scalars(select(Closure)):
        key = (row.name, row.starts_on, row.ends_on, row.location_id)
        if key in wanted:
            wanted.discard(key)
        else:
            session.delete(row)
            report.removed["closures"] += 1
    for name, starts_on, ends_on, location_id in sorted(wanted, key=lambda k: (k[1], k[0])):
        session.add(
            Closure(name=name, starts_on=starts_on, ends_on=ends_on, location_id=location_id)
        )
        report.created["closures"] += 1


def _apply_referring_practices(
    session: Session, items: Sequence[ReferringPracticeConfig], report: LoadReport
) -> None:
    existing = {row.name: row for row in session.scalars(select(ReferringPractice))}
    for item in items:
        values = item.model_dump(mode="json")
        _upsert(
            session,
            existing.get(item.name),
            ReferringPractice,
            values,
            "referring_practices",
            report,
        )


def _apply_providers(
    session: Session,
    config: PracticeConfig,
    specialties: dict[str, Specialty],
    plans: dict[str, Plan],
    locations: dict[str, Location],
    report: LoadReport,
) -> None:
    existing = {row.npi: row for row in session.scalars(select(Provider))}
    plan_keys = plan_lookup(config.plans)
    for item in config.providers:
        values = _provider_values(item, specialties)
        row, state = _upsert(session, existing.get(item.npi), Provider, values, "providers", report)
        links_changed = _sync_links(row, item, plans, plan_keys, locations)
        week_changed = _sync_week(row, item, locations)
        if state == "same" and (links_changed or week_changed):
            report.updated["providers"] += 1


def _provider_values(item: ProviderConfig, specialties: dict[str, Specialty]) -> dict[str, Any]:
    return {
        "npi": item.npi,
        "title": item.title,
        "given_name": item.given_name,
        "family_name": item.family_name,
        "credentials": item.credentials,
        "specialty_key": item.specialty,
        "taxonomy_code": item.taxonomy or specialties[item.specialty].nucc_code,
        "languages": list(item.languages),
        "accepting_new_patients": item.accepting_new_patients,
        "telehealth": item.telehealth,
        "slot_minutes": item.slot_minutes,
        "buffer_minutes": item.buffer_minutes,
        "bio": item.bio,
        "active": item.active,
    }


def _sync_links(
    row: Provider,
    item: ProviderConfig,
    plans: dict[str, Plan],
    plan_keys: dict[str, str],
    locations: dict[str, Location],
) -> bool:
    wanted_locations = [locations[key] for key in item.locations]
    wanted_plans = [plans[plan_keys[name.casefold()]] for name in item.plans]
    changed = False
    if {loc.key for loc in row.locations} != {loc.key for loc in wanted_locations}:
        row.locations = wanted_locations
        changed = True
    if {plan.key for plan in row.plans} != {plan.key for plan in wanted_plans}:
        row.plans = list(dict.fromkeys(wanted_plans))
        changed = True
    return changed


def _sync_week(row: Provider, item: ProviderConfig, locations: dict[str, Location]) -> bool:
    wanted_blocks = {
        (WEEKDAYS.index(day), locations[b.location].id, b.start, b.end, b.valid_from, b.valid_until)
        for b in item.blocks
        for day in b.days
    }
    wanted_exceptions = {
        (e.date, e.kind, e.start, e.end, locations[e.location].id if e.location else None, e.reason)
        for e in item.exceptions
    }
    blocks_changed = _sync_rows(
        row.blocks,
        wanted_blocks,
        _block_key,
        lambda k: AvailabilityBlock(
            weekday=k[0],
            location_id=k[1],
            starts=k[2],
            ends=k[3],
            valid_from=k[4],
            valid_until=k[5],
        ),
    )
    exceptions_changed = _sync_rows(
        row.exceptions,
        wanted_exceptions,
        _exception_key,
        lambda k: AvailabilityException(
            on_date=k[0], kind=k[1], starts=k[2], ends=k[3], location_id=k[4], reason=k[5]
        ),
    )
    return blocks_changed or exceptions_changed


def _block_key(block: AvailabilityBlock) -> tuple[Any, ...]:
    return (
        block.weekday,
        block.location_id,
        block.starts,
        block.ends,
        block.valid_from,
        block.valid_until,
    )


def _exception_key(exception: AvailabilityException) -> tuple[Any, ...]:
    return (
        exception.on_date,
        exception.kind,
        exception.starts,
        exception.ends,
        exception.location_id,
        exception.reason,
    )


def _sync_rows(rows: list[Any], wanted: set[tuple[Any, ...]], key: Any, build: Any) -> bool:
    have = {key(row) for row in rows}
    if have == wanted:
        return False
    # Delete-orphan on the relationship deletes what drops out of the list.
    for row in [row for row in rows if key(row) not in wanted]:
        rows.remove(row)
    for missing in sorted(wanted - have, key=repr):
        rows.append(build(missing))
    return True


def _apply_services(session: Session, items: Sequence[ServiceConfig], report: LoadReport) -> None:
    existing = {row.key: row for row in session.scalars(select(Service))}
    for item in items:
        values = item.model_dump(mode="json", exclude={"specialty"}) | {
            "specialty_key": item.specialty
        }
        _upsert(session, existing.get(item.key), Service, values, "services", report)


def _remove_providers(session: Session, listed: set[str], report: LoadReport) -> None:
    for row in session.scalars(select(Provider).where(Provider.npi.not_in(listed))):
        if _provider_has_history(session, row.id):
            if row.active:
                row.active = False
                report.deactivated.append(row.npi)
            continue
        session.delete(row)
        report.removed["providers"] += 1


def _provider_has_history(session: Session, provider_id: str) -> bool:
    """Future bookings must stay visible to staff; past ones and referrals need the row."""
    booked_ahead = exists().where(
        Appointment.provider_id == provider_id,
        Appointment.status == BOOKED,
        Appointment.start_at >= now(),
    )
    any_appointment = exists().where(Appointment.provider_id == provider_id)
    requested = exists().where(Referral.requested_provider_id == provider_id)
    return bool(session.scalar(select(booked_ahead | any_appointment | requested)))


def _remove_unreferenced(
    session: Session,
    rows: Iterable[Any],
    label: Any,
    references: Any,
    kind: str,
    report: LoadReport,
) -> None:
    for row in rows:
        reason = references(row)
        if reason:
            report.kept.append(f"{kind} {label(row)!r}: {reason}")
        else:
            session.delete(row)
            report.removed[kind] += 1


def _remove_services(session: Session, listed: set[str], report: LoadReport) -> None:
    rows = session.scalars(select(Service).where(Service.key.not_in(listed))).all()
    _remove_unreferenced(
        session,
        rows,
        lambda r: r.key,
        lambda r: _used(session, Appointment.service_id == r.id, "appointments refer to it"),
        "services",
        report,
    )


def _remove_plans(session: Session, listed: set[str], report: LoadReport) -> None:
    rows = session.scalars(select(Plan).where(Plan.key.not_in(listed))).all()
    _remove_unreferenced(
        session,
        rows,
        lambda r: r.key,
        lambda r: _used(session, Coverage.plan_id == r.id, "patients' coverage refers to it"),
        "plans",
        report,
    )


def _remove_locations(session: Session, listed: set[str], report: LoadReport) -> None:
    rows = session.scalars(select(Location).where(Location.key.not_in(listed))).all()

    def references(row: Location) -> str | None:
        return _used(
            session, Appointment.location_id == row.id, "appointments refer to it"
        ) or _used(
            session,
            provider_locations.c.location_id == row.id,
            "an inactive provider still works there",
        )

    _remove_unreferenced(session, rows, lambda r: r.key, references, "locations", report)


def _remove_specialties(session: Session, listed: set[str], report: LoadReport) -> None:
    rows = session.scalars(select(Specialty).where(Specialty.key.not_in(listed))).all()

    def references(row: Specialty) -> str | None:
        return _used(session, Provider.specialty_key == row.key, "a provider has it") or _used(
            session, Service.specialty_key == row.key, "a service has it"
        )

    _remove_unreferenced(session, rows, lambda r: r.key, references, "specialties", report)


def _remove_referring_practices(session: Session, listed: set[str], report: LoadReport) -> None:
    rows = session.scalars(
        select(ReferringPractice).where(ReferringPractice.name.not_in(listed))
    ).all()
    _remove_unreferenced(
        session,
        rows,
        lambda r: r.name,
        lambda r: _used(session, Referral.referring_practice_id == r.id, "referrals came from it"),
        "referring_practices",
        report,
    )


def _used(session: Session, condition: Any, reason: str) -> str | None:
    session.flush()
    return reason if session.scalar(select(exists().where(condition))) else None
