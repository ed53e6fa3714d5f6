"""A tiny practice for referral tests: one site, three specialties, two plans, María."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.models import (
    Appointment,
    Coverage,
    Location,
    Patient,
    PatientPhone,
    Plan,
    Practice,
    Provider,
    Specialty,
)
from referraldesk.patients.names import name_key

NOW = "2026-03-04T10:00:00-08:00"
STAFF = Actor(name="staff:coordinator@clinic.example.org", role="coordinator")
INTEGRATION = Actor(name="integration:valley-ehr", role="integration")


@dataclass
class Clinic:
    practice: Practice
    location: Location
    anthem: Plan
    self_pay: Plan
    dermatologist: Provider
    orthopedist: Provider
    maria: Patient


def build_clinic(session: Session, policy: dict[str, Any] | None = None) -> Clinic:
    practice = Practice(
        name="Visalia Specialty Clinic",
        timezone="America/Los_Angeles",
        policy=policy if policy is not None else {"auto_accept_referrals": True},
    )
    location = Location(key="visalia", name="Visalia", timezone="America/Los_Angeles")
    anthem = Plan(
        key="anthem_medi_cal",
        name="Anthem Blue Cross Medi-Cal",
        payer="Anthem Blue Cross",
        kind="medi_cal",
    )
    health_net = Plan(
        key="health_net_medi_cal", name="Health Net Medi-Cal", payer="Health Net", kind="medi_cal"
    )
    self_pay = Plan(key="self_pay", name="Self Pay", payer="Patient", kind="self_pay")
    specialties = [
        Specialty(
            key="dermatology",
            nucc_code="207N00000X",
            label_en="Dermatology",
            label_es="Dermatología",
        ),
        Specialty(
            key="orthopedics",
            nucc_code="207X00000X",
            label_en="Orthopedic Surgery",
            label_es="Ortopedia",
        ),
        Specialty(
            key="cardiology", nucc_code="207RC0000X", label_en="Cardiology", label_es="Cardiología"
        ),
        Specialty(
            key="physical_therapy",
            nucc_code="225100000X",
            label_en="Physical Therapy",
            label_es="Fisioterapia",
        ),
    ]
    session.add_all([practice, location, anthem, health_net, self_pay, *specialties])
    session.flush()
    dermatologist = provider(session, "1234567893", "dermatology", [anthem], location)
    orthopedist = provider(session, "1245319599", "orthopedics", [anthem], location)
    provider(session, "1982694573", "cardiology", [anthem], location, active=False)
    provider(session, "1679576722", "physical_therapy", [health_net], location)
    maria = patient(session, "María Elena", ["López", "García"], anthem)
    return Clinic(practice, location, anthem, self_pay, dermatologist, orthopedist, maria)


def provider(
    session: Session,
    npi: str,
    specialty: str,
    plans: list[Plan],
    location: Location,
    *,
    active: bool = True,
) -> Provider:
    doctor = Provider(
        npi=npi,
        given_name="Ana",
        family_name=f"Doctor {npi[-3:]}",
        specialty_key=specialty,
        taxonomy_code="207N00000X",
        active=active,
        plans=plans,
        locations=[location],
    )
    session.add(doctor)
    session.flush()
    return doctor


def patient(
    session: Session,
    given: str,
    surnames: list[str],
    plan: Plan | None,
    phone: str | None = "+15595550143",
) -> Patient:
    person = Patient(
        given_names=given,
        surnames=surnames,
        dob=date(1985, 4, 3),
        name_key=name_key(given, surnames),
    )
    if phone:
        person.phones.append(PatientPhone(e164=phone))
    if plan is not None:
        person.coverages.append(Coverage(plan_id=plan.id, plan=plan))
    session.add(person)
    session.flush()
    return person


def appointment(
    session: Session,
    clinic: Clinic,
    doctor: Provider,
    *,
    days: int = 7,
    referral_id: str | None = None,
    patient_id: str | None = None,
) -> Appointment:
    start = datetime.combine(date(2026, 3, 4) + timedelta(days=days), time(16), tzinfo=UTC)
    booked = Appointment(
        patient_id=patient_id or clinic.maria.id,
        provider_id=doctor.id,
        location_id=clinic.location.id,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        timezone="America/Los_Angeles",
        referral_id=referral_id,
    )
    session.add(booked)
    session.flush()
    return booked


def referral_payload(clinic: Clinic, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient_id": clinic.maria.id,
        "specialty": "dermatology",
        "reason": "rash on both forearms for three months",
        "urgency": "routine",
        "referring_provider": "Dra. Ana Ruiz",
        "referring_practice": "Valley Family Medicine",
        "referring_npi": "1497755326",
        "icd10": ["L30.9"],
        "placer_id": "VFM-R-88310",
    }
    data.update(changes)
    return data


@pytest.fixture
def clinic(session: Session, frozen_now: Callable[[str], object]) -> Clinic:
    frozen_now(NOW)
    return build_clinic(session)


@pytest.fixture
def staff() -> Actor:
    return STAFF
