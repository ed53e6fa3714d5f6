"""Small practices for the scheduling tests, built with factories that take only what a
test cares about (a site's zone, a provider's week, a patient's plan)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory
from referraldesk.models import (
    AvailabilityBlock,
    AvailabilityException,
    Closure,
    Coverage,
    Location,
    OfficeHours,
    Patient,
    Plan,
    Practice,
    Provider,
    Referral,
    Service,
    Specialty,
)

STAFF = Actor(name="staff:desk@example.org", role="staff")
WEEKDAYS = (0, 1, 2, 3, 4)


def clock(text: str) -> time:
    return time.fromisoformat(text)


@dataclass
class Build:
    """Adds practice rows to one session; every helper flushes and returns the row."""

    session: Session
    _count: int = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    def practice(self, **policy: Any) -> Practice:
        practice = Practice(name="Test Clinic", policy={"booking": policy} if policy else {})
        return self._add(practice)

    def location(
        self,
        timezone: str = "America/Los_Angeles",
        hours: dict[int, tuple[str, str]] | None = None,
        name: str | None = None,
    ) -> Location:
        number = self._next()
        location = Location(key=f"site{number}", name=name or f"Site {number}", timezone=timezone)
        for weekday, (opens, closes) in (hours or {}).items():
            location.hours.append(
                OfficeHours(weekday=weekday, opens=clock(opens), closes=clock(closes))
            )
        return self._add(location)

    def specialty(self, key: str = "dermatology", label: str | None = None) -> Specialty:
        existing = self.session.get(Specialty, key)
        if existing is not None:
            return existing
        label_en = label or key.replace("_", " ").title()
        return self._add(
            Specialty(key=key, nucc_code="207N00000X", label_en=label_en, label_es=label_en)
        )

    def plan(
        self,
        name: str = "Anthem Blue Cross Medi-Cal",
        kind: str = "medi_cal",
        aliases: Iterable[str] = (),
    ) -> Plan:
        number = self._next()
        plan = Plan(
            key=f"plan{number}", name=name, payer=name.split()[0], kind=kind, aliases=list(aliases)
        )
        return self._add(plan)

    def provider(
        self,
        location: Location,
        *,
        specialty: str = "dermatology",
        hours: tuple[str, str] | None = ("09:00", "17:00"),
        weekdays: Iterable[int] = WEEKDAYS,
        plans: Iterable[Plan] = (),
        languages: Iterable[str] = ("en",),
        slot_minutes: int = 30,
        buffer_minutes: int = 0,
        accepting_new_patients: bool = True,
        telehealth: bool = False,
        active: bool = True,
        family_name: str | None = None,
    ) -> Provider:
        number = self._next()
        self.specialty(specialty)
        provider = Provider(
            npi=f"{1000000000 + number}",
            title="Dr.",
            given_name="Ana",
            family_name=family_name or f"Reyes{number}",
            specialty_key=specialty,
            taxonomy_code="207N00000X",
            languages=list(languages),
            accepting_new_patients=accepting_new_patients,
            telehealth=telehealth,
            slot_minutes=slot_minutes,
            buffer_minutes=buffer_minutes,
            active=active,
        )
        provider.locations.append(location)
        provider.plans.extend(plans)
        self._add(provider)
        if hours is not None:
            for weekday in weekdays:
                self.block(provider, location, weekday, *hours)
        return provider

    def block(
        self,
        provider: Provider,
        location: Location,
        weekday: int,
        starts: str,
        ends: str,
        *,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> AvailabilityBlock:
        return self._add(
            AvailabilityBlock(
                provider_id=provider.id,
                location_id=location.id,
                weekday=weekday,
                starts=clock(starts),
                ends=clock(ends),
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )

    def exception(
        self,
        provider: Provider,
        on_date: date,
        kind: str,
        starts: str | None = None,
        ends: str | None = None,
        location: Location | None = None,
    ) -> AvailabilityException:
        return self._add(
            AvailabilityException(
                provider_id=provider.id,
                on_date=on_date,
                kind=kind,
                starts=clock(starts) if starts else None,
                ends=clock(ends) if ends else None,
                location_id=location.id if location else None,
            )
        )

    def closure(
        self,
        starts_on: date,
        ends_on: date | None = None,
        location: Location | None = None,
        name: str = "Holiday",
    ) -> Closure:
        return self._add(
            Closure(
                location_id=location.id if location else None,
                starts_on=starts_on,
                ends_on=ends_on or starts_on,
                name=name,
            )
        )

    def service(
        self, key: str = "derm_new", specialty: str = "dermatology", duration_minutes: int = 60
    ) -> Service:
        self.specialty(specialty)
        return self._add(
            Service(
                key=key,
                name_en=key,
                name_es=key,
                duration_minutes=duration_minutes,
                specialty_key=specialty,
            )
        )

    def patient(self, plan: Plan | None = None, status: str = "active") -> Patient:
        number = self._next()
        patient = Patient(
            given_names=f"Maria{number}",
            surnames=["Lopez"],
            dob=date(1985, 4, 3),
            name_key=f"maria{number}|lopez",
            status=status,
        )
        if plan is not None:
            patient.coverages.append(Coverage(plan_id=plan.id, plan=plan, is_primary=True))
        return self._add(patient)

    def referral(
        self, patient: Patient, specialty: str = "dermatology", status: str = "accepted"
    ) -> Referral:
        return self._add(
            Referral(
                patient_id=patient.id,
                specialty_key=specialty,
                status=status,
                reason="rash on both forearms",
            )
        )

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture(scope="session")
def _schema_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('scheduling') / 'shared.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(_schema_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction rolled back after the test: one schema for all.

    The session's own commits only release a savepoint, so a test may commit as the
    application does and still leave nothing behind.
    """
    with _schema_engine.connect() as connection:
        outer = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def build(session: Session) -> Build:
    return Build(session)


@pytest.fixture
def any_session(any_engine: Engine) -> Iterator[Session]:
    with session_factory(any_engine)() as session:
        yield session
