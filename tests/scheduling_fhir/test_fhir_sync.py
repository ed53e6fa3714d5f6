"""What staff change in the EHR calendar comes back: the agent books into the EHR (our
FHIR server on a port), the EHR's staff cancel, move or close the visit there, and the
periodic read-back moves our copy and the referral."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.scheduling_fhir.conftest import Ehr

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.jobs.app import huey
from referraldesk.jobs.fhir_sync_tasks import sync_fhir_calendar
from referraldesk.jobs.periodic import tick_of
from referraldesk.models import Appointment, Referral
from referraldesk.patients.service import register_patient
from referraldesk.referrals.service import create_referral
from referraldesk.scheduling.backends.fhir_sync import Mirror, change_of, mirrored, sync_from_ehr
from referraldesk.scheduling.booking import cancel
from referraldesk.tools import catalog
from referraldesk.tools.contract import ToolContext

STAFF = Actor(name="staff:front-desk", role="staff")


@pytest.fixture
def practice(practice_engine: Engine, use_fhir: Callable[..., None]) -> Iterator[Session]:
    with session_factory(practice_engine)() as session:
        yield session


@pytest.fixture
def booked(practice: Session) -> tuple[Appointment, Referral]:
    """Daniel's orthopedics referral, booked by the agent into the EHR."""
    patient = register_patient(
        practice,
        STAFF,
        {
            "given_names": "Daniel",
            "surnames": ["Ortega"],
            "dob": "1979-11-22",
            "phone": "+15595550117",
            "plan": "Health Net Medi-Cal",
        },
    )
    referral = create_referral(
        practice,
        STAFF,
        {
            "patient_id": patient.id,
            "specialty": "orthopedics",
            "reason": "knee pain on stairs",
            "urgency": "routine",
            "referring_provider": "Dra. Ana Ruiz",
            "referring_practice": "Valley Family Medicine",
            "placer_id": "VFM-KNEE-1",
        },
    )
    practice.commit()
    slot = _call(
        practice, "get_available_slots", specialty="orthopedics", date_from="2026-04-15"
    ).data["slots"][0]
    done = _call(
        practice,
        "schedule_appointment",
        patient_id=patient.id,
        slot_id=slot["slot_id"],
        referral_id=referral.id,
    )
    assert done.ok, done.error
    appointment = practice.get(Appointment, done.data["appointment"]["id"])
    practice.refresh(referral)
    assert appointment is not None and appointment.external_id
    assert referral.status == "scheduled" and referral.appointment_id == appointment.id
    # On SQLite an open transaction holds the write lock the read-back needs.
    practice.commit()
    return appointment, referral


def _call(session: Session, name: str, **arguments: Any) -> Any:
    ctx = ToolContext(conversation_id=None, channel="staff", language="en", actor=STAFF)
    outcome = catalog.call(session, ctx, name, arguments)
    session.commit()
    return outcome


def _in_the_ehr(ehr: Ehr, external_id: str, change: Callable[[Session, Appointment], None]) -> None:
    with ehr.session() as session:
        remote = session.get(Appointment, external_id)
        assert remote is not None
        change(session, remote)
        session.commit()


def _fresh(practice: Session, *rows: Any) -> None:
    for row in rows:
        practice.refresh(row)


def test_a_cancellation_in_the_ehr_cancels_our_copy_and_reopens_the_referral(
    practice: Session, practice_engine: Engine, ehr: Ehr, booked: tuple[Appointment, Referral]
) -> None:
    appointment, referral = booked
    _in_the_ehr(
        ehr,
        appointment.external_id or "",
        lambda session, remote: cancel(session, STAFF, remote.id, "patient called the front desk"),
    )

    report = sync_from_ehr(practice_engine)
    again = sync_from_ehr(practice_engine)

    _fresh(practice, appointment, referral)
    assert report.cancelled == [appointment.id] and report.read == 1
    assert appointment.status == "cancelled"
    assert appointment.cancel_reason == "patient called the front desk"
    assert referral.status == "contacting" and referral.appointment_id is None
    # Cancelled here now, so nothing is left to read.
    assert again.read == 0 and again.cancelled == []


def test_a_no_show_in_the_ehr_moves_the_referral_through_no_show_to_contacting(
    practice: Session, practice_engine: Engine, ehr: Ehr, booked: tuple[Appointment, Referral]
) -> None:
    appointment, referral = booked
    _in_the_ehr(
        ehr, appointment.external_id or "", lambda _, remote: setattr(remote, "status", "no_show")
    )

    report = sync_from_ehr(practice_engine)

    _fresh(practice, appointment, referral)
    assert report.no_show == [appointment.id]
    assert appointment.status == "no_show"
    assert [t.to_status for t in referral.history][-2:] == ["no_show", "contacting"]


def test_a_fulfilled_visit_in_the_ehr_closes_the_referral_as_kept(
    practice: Session, practice_engine: Engine, ehr: Ehr, booked: tuple[Appointment, Referral]
) -> None:
    appointment, referral = booked
    _in_the_ehr(
        ehr, appointment.external_id or "", lambda _, remote: setattr(remote, "status", "fulfilled")
    )

    report = sync_from_ehr(practice_engine)

    _fresh(practice, appointment, referral)
    assert report.kept == [appointment.id]
    assert appointment.status == "fulfilled"
    assert referral.status == "visit_kept"


def test_a_new_start_in_the_ehr_moves_our_copy_and_keeps_the_referral_scheduled(
    practice: Session, practice_engine: Engine, ehr: Ehr, booked: tuple[Appointment, Referral]
) -> None:
    appointment, referral = booked
    start, end = appointment.start_at + timedelta(days=1), appointment.end_at + timedelta(days=1)

    def move(_: Session, remote: Appointment) -> None:
        remote.start_at, remote.end_at = start, end

    _in_the_ehr(ehr, appointment.external_id or "", move)

    report = sync_from_ehr(practice_engine)
    again = sync_from_ehr(practice_engine)

    _fresh(practice, appointment, referral)
    assert report.moved == [appointment.id]
    assert (appointment.start_at, appointment.end_at, appointment.status) == (start, end, "booked")
    assert referral.status == "scheduled" and referral.appointment_id == appointment.id
    assert again.read == 1 and again.moved == []


def test_an_ehr_that_does_not_answer_changes_nothing(
    practice: Session,
    practice_engine: Engine,
    use_fhir: Callable[..., None],
    booked: tuple[Appointment, Referral],
) -> None:
    appointment, referral = booked
    use_fhir(base_url="http://127.0.0.1:9/fhir", timeout_seconds=0.5, retries=0)

    report = sync_from_ehr(practice_engine)

    _fresh(practice, appointment, referral)
    assert report.stopped and report.read == 0
    assert (appointment.status, referral.status) == ("booked", "scheduled")


def test_the_periodic_job_runs_the_read_back_every_ten_minutes(
    practice: Session, ehr: Ehr, booked: tuple[Appointment, Referral]
) -> None:
    appointment, referral = booked
    _in_the_ehr(
        ehr, appointment.external_id or "", lambda _, remote: setattr(remote, "status", "fulfilled")
    )
    due = {
        task.name
        for task in huey.read_periodic(tick_of(appointment.booked_at.replace(minute=20, second=0)))
    }
    not_due = {
        task.name
        for task in huey.read_periodic(tick_of(appointment.booked_at.replace(minute=25, second=0)))
    }

    sync_fhir_calendar.call_local()

    _fresh(practice, appointment, referral)
    assert "sync_fhir_calendar" in due and "sync_fhir_calendar" not in not_due
    assert referral.status == "visit_kept"


def test_only_bookings_held_in_the_ehr_are_read_back(
    practice: Session, booked: tuple[Appointment, Referral]
) -> None:
    appointment, _ = booked
    feed_copy = Appointment(
        **{
            column: getattr(appointment, column)
            for column in ("patient_id", "provider_id", "location_id", "timezone", "status")
        },
        start_at=appointment.start_at + timedelta(days=2),
        end_at=appointment.end_at + timedelta(days=2),
        channel="hl7_siu",
        external_id="siu:PMS:PM-1001",
    )
    practice.add(feed_copy)
    practice.flush()

    assert [m.appointment_id for m in mirrored(practice)] == [appointment.id]


def test_what_each_ehr_status_means_for_our_copy(booked: tuple[Appointment, Referral]) -> None:
    appointment, _ = booked
    mirror = Mirror(appointment.id, "ehr-1", appointment.start_at, appointment.end_at)
    same = {"start": appointment.start_at.isoformat(), "end": appointment.end_at.isoformat()}

    def event(**remote: Any) -> str | None:
        change = change_of(mirror, {"resourceType": "Appointment", **same, **remote})
        return change.event if change else None

    assert event(status="cancelled") == "cancelled"
    assert event(status="entered-in-error") == "cancelled"
    assert event(status="noshow") == "no_show"
    assert event(status="fulfilled") == event(status="arrived") == "kept"
    assert event(status="booked") is None
    assert (
        event(
            status="booked",
            start=(appointment.start_at + timedelta(hours=1)).isoformat(),
            end=(appointment.end_at + timedelta(hours=1)).isoformat(),
        )
        == "moved"
    )
    assert event(status="booked", start="not a time") is None
