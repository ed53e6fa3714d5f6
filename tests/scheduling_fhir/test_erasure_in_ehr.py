"""Erasure cancels the patient's future visits through the practice's calendar: with the
FHIR backend the EHR's booking is cancelled too. An EHR that does not answer does not
stop the erasure: the visit is cancelled here and a staff task says to cancel it there."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs
from tests.scheduling_fhir.conftest import Ehr

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.models import Appointment, Provider, StaffTask
from referraldesk.patients.service import register_patient
from referraldesk.rights.erase import ErasureReport, erase_patient
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.booking import BookingRequest
from referraldesk.scheduling.slots import SlotQuery

STAFF = Actor(name="staff:front-desk", role="staff")
ADMIN = Actor(name="staff:admin@clinic.example.org", role="admin")
DEAD_EHR = "http://127.0.0.1:9/fhir"
PATIENT_DETAILS = ("Daniel", "Ortega", "1979", "5550117")


@pytest.fixture
def practice(practice_engine: Engine, use_fhir: Callable[..., None]) -> Iterator[Session]:
    with session_factory(practice_engine)() as session:
        yield session


@pytest.fixture
def booked(practice: Session) -> Appointment:
    """Daniel's visit, booked in the EHR through the configured calendar."""
    patient = register_patient(practice, STAFF, {
        "given_names": "Daniel", "surnames": ["Ortega"], "dob": "1979-11-22",
        "phone": "+15595550117", "plan": "Health Net Medi-Cal"})
    calendar = calendar_for(practice)
    [slot] = calendar.find_slots(practice, SlotQuery(specialty_key="orthopedics", limit=1))
    appointment = calendar.book(
        practice, STAFF, BookingRequest(patient_id=patient.id, slot_id=slot.id))
    practice.commit()
    assert appointment.external_id
    return appointment


def ehr_status_of(ehr: Ehr, practice: Session, appointment: Appointment) -> list[str]:
    """Statuses of the EHR's bookings for this provider at this time."""
    provider = practice.get(Provider, appointment.provider_id)
    assert provider is not None
    npi, start = provider.npi, appointment.start_at
    practice.commit()
    with ehr.session() as session:
        return list(session.scalars(
            select(Appointment.status).join(Provider)
            .where(Provider.npi == npi, Appointment.start_at == start)))


def erase(practice: Session, patient_id: str) -> ErasureReport:
    report = erase_patient(practice, ADMIN, patient_id, reason="deletion request",
                           confirm=patient_id)
    practice.commit()
    return report


def test_erasure_cancels_the_visit_in_the_ehr_too(
    practice: Session, ehr: Ehr, booked: Appointment,
) -> None:
    assert ehr_status_of(ehr, practice, booked) == ["booked"]

    report = erase(practice, booked.patient_id)

    practice.refresh(booked)
    assert booked.status == "cancelled"
    assert ehr_status_of(ehr, practice, booked) == ["cancelled"]
    assert report.counts["appointments_cancelled"] == 1
    assert report.counts["calendar_cancellations_by_hand"] == 0
    assert practice.scalar(select(func.count()).select_from(StaffTask)
                           .where(StaffTask.status == "open")) == 0


def test_an_ehr_that_does_not_answer_leaves_a_staff_task_and_the_erasure_goes_on(
    practice: Session, ehr: Ehr, booked: Appointment, use_fhir: Callable[..., None],
) -> None:
    patient_id, external_id = booked.patient_id, booked.external_id
    use_fhir(base_url=DEAD_EHR, retries=0)

    with capture_logs() as logs:
        report = erase(practice, patient_id)

    practice.refresh(booked)
    assert booked.status == "cancelled"
    assert booked.patient.status == "erased"
    # Still booked there, until a person cancels it.
    assert ehr_status_of(ehr, practice, booked) == ["booked"]
    assert report.counts["appointments_cancelled"] == 1
    assert report.counts["calendar_cancellations_by_hand"] == 1
    [task] = practice.scalars(select(StaffTask).where(StaffTask.status == "open")).all()
    assert (task.kind, task.patient_id, task.urgency) == ("review", patient_id, "soon")
    assert task.reason == (
        f"Cancel in the EHR by hand: Appointment/{external_id}, "
        f"{booked.provider.display_name}, 2026-04-14 11:30. "
        "Erasure could not cancel it there.")
    assert task.summary is None and task.callback_phone is None
    assert not any(detail in task.reason for detail in PATIENT_DETAILS)
    [left] = [entry for entry in logs if entry["event"] == "erasure_left_calendar_booking"]
    assert left == {"event": "erasure_left_calendar_booking", "log_level": "warning",
                    "appointment_id": booked.id, "staff_task_id": task.id}
    assert not any(detail in str(entry) for entry in logs for detail in PATIENT_DETAILS)
