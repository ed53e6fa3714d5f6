"""The practice books into its EHR over real HTTP: the tools through the FHIR calendar,
the EHR being our own FHIR server on a port in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.scheduling_fhir.conftest import STAFF, Ehr

from referraldesk.db.session import session_factory
from referraldesk.models import Appointment, Provider
from referraldesk.patients.service import register_patient
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.backends.fhir_calendar import FhirCalendar
from referraldesk.scheduling.booking import BookingRequest, book
from referraldesk.scheduling.fhir.booking_refs import BOOKING_REF_SYSTEM, BookingRef, from_key
from referraldesk.scheduling.slots import SlotQuery, find_slots, parse_slot_id
from referraldesk.tools import catalog
from referraldesk.tools.contract import ToolContext

QUERY = SlotQuery(
    specialty_key="orthopedics", start=date(2026, 4, 15), end=date(2026, 4, 17), limit=8
)


@pytest.fixture
def practice(practice_engine: Engine, use_fhir: Callable[..., None]) -> Iterator[Session]:
    with session_factory(practice_engine)() as session:
        yield session


def _call(session: Session, name: str, **arguments: Any) -> Any:
    ctx = ToolContext(conversation_id=None, channel="staff", language="en", actor=STAFF)
    outcome = catalog.call(session, ctx, name, arguments)
    session.commit()
    return outcome


def _npi_times(session: Session, slots: list[Any]) -> list[tuple[str, str]]:
    npis = {p.id: p.npi for p in session.scalars(select(Provider))}
    return [(npis[s.provider_id], s.start.isoformat()) for s in slots]


def _ehr_booked(ehr: Ehr, start: Any) -> int:
    with ehr.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(Appointment.status == "booked", Appointment.start_at == start)
            )
            or 0
        )


def test_the_practice_sees_the_same_open_times_as_the_ehr_by_find_and_by_slot_search(
    practice: Session, ehr: Ehr
) -> None:
    with ehr.session() as ehr_session:
        expected = _npi_times(ehr_session, find_slots(ehr_session, QUERY))
    calendar = calendar_for(practice)
    assert isinstance(calendar, FhirCalendar)

    by_find = calendar.find_slots(practice, QUERY)
    by_search = FhirCalendar(calendar.http, use_find=False).find_slots(practice, QUERY)

    assert len(expected) == 8
    assert _npi_times(practice, by_find) == expected
    assert _npi_times(practice, by_search) == expected


def test_booking_lands_in_the_ehr_and_is_mirrored_with_its_id(
    practice: Session, ehr: Ehr, daniel: str
) -> None:
    slot = _call(
        practice, "get_available_slots", specialty="orthopedics", date_from="2026-04-15"
    ).data["slots"][0]

    booked = _call(practice, "schedule_appointment", patient_id=daniel, slot_id=slot["slot_id"])

    assert booked.ok, booked.error
    local = practice.get(Appointment, booked.data["appointment"]["id"])
    assert local is not None and local.external_id and local.status == "booked"
    with ehr.session() as ehr_session:
        remote = ehr_session.get(Appointment, local.external_id)
        assert remote is not None and remote.status == "booked"
        assert remote.start_at == local.start_at == parse_slot_id(slot["slot_id"]).start
        # The EHR keeps our id as the booking reference: a retry finds it.
        assert from_key(remote.external_id) == BookingRef(BOOKING_REF_SYSTEM, local.id)
        assert remote.patient.given_names == "Daniel"


def test_a_slot_taken_at_the_front_desk_a_second_ago_gives_the_next_open_one(
    practice: Session, ehr: Ehr, daniel: str
) -> None:
    offered = _call(
        practice, "get_available_slots", specialty="orthopedics", date_from="2026-04-15"
    ).data["slots"]
    taken = parse_slot_id(offered[0]["slot_id"])
    with ehr.session() as ehr_session:
        walk_in = register_patient(
            ehr_session,
            STAFF,
            {
                "given_names": "Rosa",
                "surnames": ["Mendez"],
                "dob": "1990-02-02",
                "phone": "+15595550199",
                "plan": "self pay",
            },
        )
        book(
            ehr_session,
            STAFF,
            BookingRequest(
                patient_id=walk_in.id,
                provider_id=_ehr_provider(ehr_session, practice, taken),
                start=taken.start,
            ),
        )
        ehr_session.commit()

    refused = _call(
        practice, "schedule_appointment", patient_id=daniel, slot_id=offered[0]["slot_id"]
    )

    assert not refused.ok and refused.error.code == "slot_taken"
    assert "Next open:" in refused.error.hint and offered[1]["slot_id"] in refused.error.hint
    assert (
        practice.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.patient_id == daniel)
        )
        == 0
    )
    assert _ehr_booked(ehr, taken.start) == 1
    again = _call(
        practice, "schedule_appointment", patient_id=daniel, slot_id=offered[1]["slot_id"]
    )
    assert again.ok
    assert _ehr_booked(ehr, parse_slot_id(offered[1]["slot_id"]).start) >= 1


def test_cancel_and_reschedule_follow_through_to_the_ehr(
    practice: Session, ehr: Ehr, daniel: str
) -> None:
    slots = _call(
        practice, "get_available_slots", specialty="orthopedics", date_from="2026-04-15"
    ).data["slots"]
    first = _call(
        practice, "schedule_appointment", patient_id=daniel, slot_id=slots[0]["slot_id"]
    ).data["appointment"]["id"]

    moved = _call(
        practice,
        "reschedule_appointment",
        patient_id=daniel,
        appointment_id=first,
        slot_id=slots[2]["slot_id"],
    )
    second = moved.data["appointment"]["id"]
    cancelled = _call(practice, "cancel_appointment", patient_id=daniel, appointment_id=second)

    assert moved.ok and cancelled.ok
    old, new = practice.get(Appointment, first), practice.get(Appointment, second)
    assert (old.status, new.status, new.rescheduled_from_id) == ("cancelled", "cancelled", first)
    with ehr.session() as ehr_session:
        assert ehr_session.get(Appointment, old.external_id).status == "cancelled"
        assert ehr_session.get(Appointment, new.external_id).status == "cancelled"


def test_a_calendar_that_does_not_answer_is_unavailable_and_retryable(
    practice: Session, use_fhir: Callable[..., None], daniel: str
) -> None:
    use_fhir(base_url="http://127.0.0.1:9/fhir", timeout_seconds=0.5, retries=0)

    search = _call(practice, "get_available_slots", specialty="orthopedics")

    assert not search.ok
    assert search.error.code == "unavailable" and search.error.retryable
    assert "did not answer" in search.error.message


def _ehr_provider(ehr_session: Session, practice: Session, ref: Any) -> str:
    """The EHR's id for the practice's provider: the same NPI."""
    npi = practice.get(Provider, ref.provider_id).npi
    return ehr_session.scalars(select(Provider.id).where(Provider.npi == npi)).one()
