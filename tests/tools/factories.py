"""Small factories for tool and API tests: a practice with one site, plans, providers, patients."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referraldesk.db.base import Base
from referraldesk.db.session import make_engine
from referraldesk.models import (
    AvailabilityBlock,
    Closure,
    Consent,
    Conversation,
    Coverage,
    Location,
    OfficeHours,
    Patient,
    PatientPhone,
    Plan,
    Practice,
    Provider,
    Referral,
    ReferringPractice,
    Service,
    Specialty,
)
from referraldesk.patients.names import name_key
from referraldesk.tools import ToolOutcome

# catalog.call bound to the test's session: call(ctx, name, key=None, **arguments).
Call = Callable[..., ToolOutcome]

# Tuesday 10 March 2026, 09:00 in Fresno (PDT, UTC-7 since 8 March).
NOW = "2026-03-10T16:00:00+00:00"
MARIA_DOB = date(1980, 5, 2)
MARIA_PHONE = "+15595550143"


@dataclass
class PracticeData:
    practice: Practice
    site: Location
    second_site: Location
    medi_cal: Plan
    commercial: Plan
    therapist: Provider
    surgeon: Provider
    evaluation: Service


def make_practice(session: Session) -> PracticeData:
    practice = Practice(
        name="Valle Clinic", phone="+15595550100", staff_phone="+15595550199",
        policy={"auto_accept_referrals": True},
    )
    site = Location(
        key="fresno",
        name="Fresno Main",
        address="100 Tulare St",
        city="Fresno",
        state="CA",
        phone="+15595550110",
        timezone="America/Los_Angeles",
    )
    second = Location(
        key="selma", name="Selma Clinic", city="Selma", state="CA", timezone="America/Los_Angeles"
    )
    for weekday in range(5):
        site.hours.append(OfficeHours(weekday=weekday, opens=time(7, 0), closes=time(18, 0)))
    site.hours.append(OfficeHours(weekday=5, opens=time(8, 0), closes=time(12, 0)))
    second.hours.append(OfficeHours(weekday=0, opens=time(8, 0), closes=time(17, 0)))
    pt = Specialty(
        key="physical_therapy",
        nucc_code="225100000X",
        label_en="Physical Therapy",
        label_es="Fisioterapia",
    )
    ortho = Specialty(
        key="orthopedics",
        nucc_code="207X00000X",
        label_en="Orthopedic Surgery",
        label_es="Cirugía ortopédica",
    )
    medi_cal = Plan(
        key="calviva",
        name="CalViva Health",
        payer="CalViva",
        kind="medi_cal",
        aliases=["medi-cal", "medical"],
    )
    commercial = Plan(
        key="blue_shield_ppo",
        name="Blue Shield PPO",
        payer="Blue Shield",
        kind="commercial",
        aliases=["blue shield"],
    )
    therapist = Provider(
        npi="1234567893",
        title="Dr.",
        given_name="Ana",
        family_name="Ruiz",
        specialty=pt,
        taxonomy_code="225100000X",
        languages=["en", "es"],
        locations=[site],
        plans=[medi_cal, commercial],
        slot_minutes=30,
        bio="Sports and back rehabilitation.",
    )
    surgeon = Provider(
        npi="1987654328",
        title="Dr.",
        given_name="Ben",
        family_name="Cole",
        specialty=ortho,
        taxonomy_code="207X00000X",
        languages=["en"],
        locations=[second],
        plans=[commercial],
        accepting_new_patients=False,
    )
    for weekday in range(5):
        therapist.blocks.append(
            AvailabilityBlock(location=site, weekday=weekday, starts=time(7, 0), ends=time(12, 0))
        )
    surgeon.blocks.append(
        AvailabilityBlock(location=second, weekday=0, starts=time(9, 0), ends=time(12, 0))
    )
    evaluation = Service(
        key="pt_eval",
        name_en="Physical therapy evaluation",
        name_es="Evaluación de fisioterapia",
        cpt="97161",
        duration_minutes=30,
        specialty_key="physical_therapy",
    )
    # Service has no relationship to Specialty: flush the specialties before it.
    session.add_all([practice, site, second, pt, ortho, medi_cal, commercial, therapist, surgeon])
    session.flush()
    session.add(evaluation)
    session.add(
        Closure(
            location_id=None,
            starts_on=date(2026, 3, 31),
            ends_on=date(2026, 3, 31),
            name="César Chávez Day",
        )
    )
    session.flush()
    return PracticeData(
        practice, site, second, medi_cal, commercial, therapist, surgeon, evaluation
    )


def make_patient(
    session: Session,
    plan: Plan,
    *,
    given_names: str = "María",
    surnames: tuple[str, ...] = ("López", "García"),
    dob: date = MARIA_DOB,
    phone: str = MARIA_PHONE,
    language: str = "es",
    member_id: str = "CV12345678",
    texts: bool | None = None,
) -> Patient:
    patient = Patient(
        given_names=given_names,
        surnames=list(surnames),
        dob=dob,
        name_key=name_key(given_names, list(surnames)),
        preferred_language=language,
    )
    patient.phones.append(PatientPhone(e164=phone, kind="mobile", is_primary=True))
    patient.coverages.append(Coverage(plan=plan, member_id=member_id, is_primary=True))
    if texts is not None:
        patient.consents.append(
            Consent(
                kind="texts",
                granted=texts,
                source="intake",
                recorded_at=datetime.fromisoformat("2026-01-05T10:00:00+00:00"),
            )
        )
    session.add(patient)
    session.flush()
    return patient


def make_conversation(
    session: Session, channel: str = "chat", caller_phone: str | None = None
) -> Conversation:
    conversation = Conversation(channel=channel, language="es", caller_phone=caller_phone)
    session.add(conversation)
    session.flush()
    return conversation


def make_referral(
    session: Session,
    patient: Patient,
    *,
    status: str = "accepted",
    specialty_key: str = "physical_therapy",
    urgency: str = "routine",
    target_date: date | None = date(2026, 3, 31),
) -> Referral:
    referrer = session.scalar(
        select(ReferringPractice).where(ReferringPractice.name == "Valley Family Care")
    )
    if referrer is None:
        referrer = ReferringPractice(name="Valley Family Care", protocol="fax")
    referral = Referral(
        patient_id=patient.id,
        status=status,
        specialty_key=specialty_key,
        reason="Low back pain after a fall at work",
        urgency=urgency,
        target_date=target_date,
        referring_practice=referrer,
        referring_provider="Dr. Elena Park",
        notes="Please evaluate and treat.",
        icd10=["M54.50"],
    )
    session.add(referral)
    session.flush()
    return referral


def schema_template(folder: Path) -> Path:
    """An empty database with the full schema, built once and copied per test."""
    path = folder / "schema.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


def engine_from_template(template: Path, folder: Path) -> Engine:
    target = folder / "test.db"
    shutil.copyfile(template, target)
    return make_engine(f"sqlite:///{target}")
