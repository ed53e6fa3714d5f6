"""A fresh practice for one case: the demo practice, then what the case has on file.

Each case gets its own SQLite database in a temporary folder, the demo practice
loaded for the case's local date, and the caller's patient, referral and
appointments registered through the same services an integration would use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import referraldesk.models  # noqa: F401 - registers every table before create_all
from referraldesk.audit.trail import Actor
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine
from referraldesk.models import Appointment, Practice, Provider, Specialty
from referraldesk.simulation.cases import (
    AppointmentFacts,
    CallerCase,
    PatientFacts,
    ReferralFacts,
)

ACTOR = Actor(name="system:case_player", role="system")


@dataclass
class Seeded:
    """What a case put on file before the conversation, and how."""

    timezone: str
    patient_id: str | None = None
    plan_id: str | None = None
    referral_id: str | None = None
    appointment_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fresh_engine(folder: Path) -> Engine:
    engine = make_engine(f"sqlite:///{folder / 'case.db'}")
    Base.metadata.create_all(engine)
    return engine


def seed_case(session: Session, case: CallerCase) -> Seeded:
    """Load the demo practice for the case's day and register the caller's records."""
    from referraldesk.practice.loader import load_demo

    zone = _practice_zone(session)
    load_demo(session, today=case.now.astimezone(ZoneInfo(zone)).date(), actor=ACTOR)
    seeded = Seeded(timezone=_practice_zone(session))
    if case.patient is None:
        return seeded
    patient_id = _register_patient(session, case, case.patient, seeded)
    if case.referral is not None:
        _create_referral(session, case.referral, patient_id, seeded)
    for facts in case.appointments:
        seeded.appointment_ids.append(_appointment(session, case, patient_id, seeded, facts))
    return seeded


def specialty_label(session: Session, key: str, language: str) -> str | None:
    specialty = session.get(Specialty, key)
    if specialty is None:
        return None
    return specialty.label_es if language == "es" else specialty.label_en


def _practice_zone(session: Session) -> str:
    # Before the demo is loaded there is no practice yet: the demo's site is in California.
    zone = session.scalar(select(Practice.timezone).limit(1))
    return zone or "America/Los_Angeles"


def _register_patient(
    session: Session, case: CallerCase, facts: PatientFacts, seeded: Seeded
) -> str:
    from referraldesk.patients.service import register_patient

    patient = register_patient(
        session,
        ACTOR,
        {
            "given_names": facts.given,
            "surnames": list(facts.surnames),
            "dob": facts.dob,
            "phone": case.phone or "+15595550100",
            "preferred_language": facts.preferred_language,
            "plan": facts.plan,
        },
    )
    seeded.patient_id = patient.id
    seeded.plan_id = patient.coverages[0].plan_id if patient.coverages else None
    return patient.id


def _create_referral(
    session: Session, facts: ReferralFacts, patient_id: str, seeded: Seeded
) -> None:
    from referraldesk.referrals.service import create_referral

    referral = create_referral(
        session,
        ACTOR,
        {
            "patient_id": patient_id,
            "specialty": facts.specialty,
            "reason": facts.reason,
            "urgency": facts.urgency,
            "referring_provider": facts.referring_provider,
            "referring_practice": facts.referring_practice,
        },
    )
    seeded.referral_id = referral.id
    if referral.status != "accepted":
        seeded.notes.append(f"the referral was triaged to {referral.status!r}, not accepted")


def _appointment(
    session: Session, case: CallerCase, patient_id: str, seeded: Seeded, facts: AppointmentFacts
) -> str:
    """Book the earliest open slot of the specialty at the case's local time, or make one."""
    from referraldesk.scheduling.booking import BookingRequest, book
    from referraldesk.scheduling.slots import SlotQuery, find_slots

    zone = ZoneInfo(seeded.timezone)
    day = case.now.astimezone(zone).date() + timedelta(days=facts.in_days)
    query = SlotQuery(
        specialty_key=facts.specialty, plan_id=seeded.plan_id, start=day, end=day, limit=200
    )
    at_time = [s for s in find_slots(session, query) if s.local_start.time() == facts.local_time]
    if at_time:
        appointment = book(
            session,
            ACTOR,
            BookingRequest(patient_id=patient_id, slot_id=at_time[0].id, channel="staff"),
        )
        return appointment.id
    seeded.notes.append(
        f"no open {facts.specialty} slot at {facts.local_time:%H:%M} on {day}; "
        "the appointment was written directly"
    )
    local_start = datetime.combine(day, facts.local_time, zone)
    return _write_appointment(session, patient_id, seeded, facts, local_start)


def _write_appointment(
    session: Session,
    patient_id: str,
    seeded: Seeded,
    facts: AppointmentFacts,
    local_start: datetime,
) -> str:
    providers = session.scalars(
        select(Provider).where(Provider.specialty_key == facts.specialty, Provider.active.is_(True))
    ).all()
    if not providers:
        raise LookupError(f"the demo practice has no {facts.specialty} provider for this case")
    in_network = [p for p in providers if any(plan.id == seeded.plan_id for plan in p.plans)]
    provider = (in_network or list(providers))[0]
    start = local_start.astimezone(ZoneInfo("UTC"))
    appointment = Appointment(
        patient_id=patient_id,
        provider_id=provider.id,
        location_id=provider.locations[0].id,
        start_at=start,
        end_at=start + timedelta(minutes=provider.slot_minutes),
        timezone=seeded.timezone,
        status="booked",
        channel="staff",
    )
    session.add(appointment)
    session.flush()
    return appointment.id
