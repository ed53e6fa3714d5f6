"""Booking re-checks every rule on the server, and each change is audited.

"Today" is Wednesday 2026-03-04, 10:00 in America/Los_Angeles; Tuesday 2026-03-10 is
after the change to PDT (UTC-7), so 09:00 there is 16:00Z.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.scheduling.conftest import STAFF, Build

from referraldesk.errors import (
    Duplicate,
    IllegalTransition,
    InvalidArgument,
    NotFound,
    OutOfNetwork,
    OutsideHours,
    SlotTaken,
)
from referraldesk.logging import configure_logging
from referraldesk.models import Appointment, AuditEvent, Location, Patient, Plan, Provider
from referraldesk.scheduling import booking
from referraldesk.scheduling.booking import (
    BookingRequest,
    book,
    cancel,
    get_appointment,
    reschedule,
    upcoming_appointments,
)
from referraldesk.scheduling.slots import SlotQuery, find_slots, slot_id

NINE = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
HALF_PAST_NINE = NINE + timedelta(minutes=30)
TUESDAY = date(2026, 3, 10)


@dataclass
class Desk:
    site: Location
    plan: Plan
    provider: Provider
    patient: Patient

    def slot(self, start: datetime = NINE, provider: Provider | None = None) -> str:
        return slot_id((provider or self.provider).id, self.site.id, start)


@pytest.fixture
def desk(build: Build, frozen_now: Callable[..., datetime]) -> Desk:
    frozen_now("2026-03-04T10:00:00-08:00")
    site = build.location()
    plan = build.plan("Anthem Blue Cross Medi-Cal")
    provider = build.provider(site, plans=[plan], family_name="Reyes")
    return Desk(site, plan, provider, build.patient(plan))


def request(desk: Desk, **fields: object) -> BookingRequest:
    values: dict[str, object] = {"patient_id": desk.patient.id, "slot_id": desk.slot()}
    values.update(fields)
    return BookingRequest(**values)  # type: ignore[arg-type]


def audit_actions(session: Session) -> list[tuple[str, str | None, str | None]]:
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
    return [(event.action, event.resource_id, event.patient_id) for event in events]


class TestBook:
    def test_it_books_a_slot_from_a_search(self, desk: Desk, session: Session) -> None:
        slot = find_slots(session, SlotQuery(start=TUESDAY, limit=1))[0]

        appointment = book(
            session, STAFF, request(desk, slot_id=slot.id, channel="chat", conversation_id="c1")
        )

        assert (appointment.start_at, appointment.end_at) == (NINE, HALF_PAST_NINE)
        assert appointment.timezone == "America/Los_Angeles"
        assert (appointment.status, appointment.channel, appointment.location_id) == (
            "booked",
            "chat",
            desk.site.id,
        )
        assert audit_actions(session) == [("book", appointment.id, desk.patient.id)]
        assert find_slots(session, SlotQuery(start=TUESDAY, limit=1))[0].start == HALF_PAST_NINE

    def test_it_books_by_provider_and_a_local_start(self, desk: Desk, session: Session) -> None:
        start = datetime.fromisoformat("2026-03-10T09:00:00-07:00")

        appointment = book(
            session, STAFF, request(desk, slot_id=None, provider_id=desk.provider.id, start=start)
        )

        assert appointment.start_at == NINE

    def test_it_gives_the_visit_the_service_length(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        service = build.service("derm_new", duration_minutes=60)

        appointment = book(session, STAFF, request(desk, service_key="derm_new"))

        assert appointment.end_at - appointment.start_at == timedelta(minutes=60)
        assert appointment.service_id == service.id
        assert find_slots(session, SlotQuery(start=TUESDAY, limit=1))[0].start == NINE + timedelta(
            hours=1
        )

    def test_it_books_a_self_pay_patient_with_anyone(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        patient = build.patient(build.plan("Self pay", kind="self_pay"))

        appointment = book(session, STAFF, request(desk, patient_id=patient.id))

        assert appointment.patient_id == patient.id

    def test_it_books_a_patient_without_coverage_as_self_pay(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        patient = build.patient()

        assert book(session, STAFF, request(desk, patient_id=patient.id)).status == "booked"

    def test_it_logs_ids_and_never_the_patient(
        self, desk: Desk, session: Session, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Another test may have left logging at WARNING; this one reads INFO lines.
        configure_logging("INFO", json=True)
        appointment = book(session, STAFF, request(desk))

        output = capsys.readouterr()
        logged = output.out + output.err
        assert appointment.id in logged
        assert desk.patient.given_names not in logged
        assert desk.patient.id not in logged


class TestRevalidation:
    def test_it_refuses_a_taken_slot_and_names_the_next_one(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        book(session, STAFF, request(desk))

        with pytest.raises(SlotTaken) as caught:
            book(session, STAFF, request(desk, patient_id=build.patient().id))

        assert caught.value.next_slot_id == desk.slot(HALF_PAST_NINE)  # type: ignore[attr-defined]
        assert "Tue 2026-03-10 09:30 PDT with Dr. Ana Reyes" in (caught.value.hint or "")
        assert "already booked at Tue 2026-03-10 09:00 PDT" in caught.value.message

    def test_it_refuses_a_slot_inside_a_booking_buffer(
        self, build: Build, session: Session, desk: Desk
    ) -> None:
        provider = build.provider(desk.site, plans=[desk.plan], buffer_minutes=10)
        book(session, STAFF, request(desk, slot_id=desk.slot(NINE, provider)))

        with pytest.raises(SlotTaken) as caught:
            book(
                session,
                STAFF,
                request(
                    desk, patient_id=build.patient().id, slot_id=desk.slot(HALF_PAST_NINE, provider)
                ),
            )

        assert caught.value.next_slot_id == desk.slot(NINE + timedelta(hours=1), provider)  # type: ignore[attr-defined]

    def test_it_refuses_a_time_that_is_not_a_slot(self, desk: Desk, session: Session) -> None:
        with pytest.raises(OutsideHours) as caught:
            book(session, STAFF, request(desk, slot_id=desk.slot(NINE + timedelta(minutes=15))))

        assert "has no slot starting at 2026-03-10T16:15:00+00:00" in caught.value.message
        assert "Next open: Tue 2026-03-10 09:30 PDT" in (caught.value.hint or "")

    def test_it_refuses_a_slot_on_a_closure_added_after_the_search(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        slot = find_slots(session, SlotQuery(start=TUESDAY, limit=1))[0]
        build.closure(TUESDAY)

        with pytest.raises(OutsideHours):
            book(session, STAFF, request(desk, slot_id=slot.id))

    def test_it_refuses_a_plan_the_provider_does_not_take(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        build.provider(desk.site, plans=[desk.plan], family_name="Soto")
        patient = build.patient(build.plan("Health Net Medi-Cal"))
        in_network = build.provider(desk.site, family_name="Vega")
        in_network.plans.append(patient.coverages[0].plan)
        session.flush()

        with pytest.raises(OutOfNetwork) as caught:
            book(session, STAFF, request(desk, patient_id=patient.id))

        assert caught.value.message == "Dr. Ana Reyes does not take Health Net Medi-Cal"
        assert caught.value.hint == "In network for Health Net Medi-Cal: Dr. Ana Vega."

    @pytest.mark.parametrize(
        ("start", "complaint"),
        [
            (datetime(2026, 3, 4, 17, 30, tzinfo=UTC), "is in the past"),
            (datetime(2026, 3, 4, 18, 30, tzinfo=UTC), "less than 60 minutes away"),
            (datetime(2026, 6, 10, 16, 0, tzinfo=UTC), "past the booking horizon of 90 days"),
        ],
    )
    def test_it_refuses_a_time_that_cannot_be_booked(
        self, desk: Desk, session: Session, start: datetime, complaint: str
    ) -> None:
        with pytest.raises(InvalidArgument, match=complaint) as caught:
            book(session, STAFF, request(desk, slot_id=desk.slot(start)))

        assert caught.value.field == "start"

    def test_it_refuses_an_inactive_provider(self, desk: Desk, session: Session) -> None:
        desk.provider.active = False
        session.flush()

        with pytest.raises(InvalidArgument, match="no longer takes appointments"):
            book(session, STAFF, request(desk))

    def test_it_refuses_an_erased_patient(self, desk: Desk, build: Build, session: Session) -> None:
        patient = build.patient(status="erased")

        with pytest.raises(InvalidArgument, match="is erased and cannot be booked"):
            book(session, STAFF, request(desk, patient_id=patient.id))

    def test_it_refuses_telehealth_with_a_provider_who_does_not_offer_it(
        self, desk: Desk, session: Session
    ) -> None:
        with pytest.raises(InvalidArgument, match="does not offer telehealth"):
            book(session, STAFF, request(desk, telehealth=True))

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"patient_id": "nobody"}, "patient_id"),
            ({"slot_id": "nobody:site:20260310T1600Z"}, "provider_id"),
            ({"service_key": "nothing"}, "service_key"),
            ({"referral_id": "nothing"}, "referral_id"),
        ],
    )
    def test_it_names_what_was_not_found(
        self, desk: Desk, session: Session, fields: dict[str, str], field: str
    ) -> None:
        with pytest.raises(NotFound) as caught:
            book(session, STAFF, request(desk, **fields))

        assert caught.value.field == field

    def test_it_refuses_a_service_of_another_specialty(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        build.service("ortho_new", specialty="orthopedics")

        with pytest.raises(InvalidArgument, match="is a orthopedics service"):
            book(session, STAFF, request(desk, service_key="ortho_new"))

    def test_it_refuses_a_patient_already_booked_then(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        other = build.provider(desk.site, plans=[desk.plan])
        book(session, STAFF, request(desk))

        with pytest.raises(Duplicate, match="overlaps this time"):
            book(session, STAFF, request(desk, slot_id=desk.slot(NINE, other)))

    def test_it_refuses_a_referral_of_another_patient(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        referral = build.referral(build.patient())

        with pytest.raises(InvalidArgument, match="belongs to another patient"):
            book(session, STAFF, request(desk, referral_id=referral.id))

    def test_it_turns_a_unique_index_collision_into_slot_taken(
        self, desk: Desk, build: Build, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = book(session, STAFF, request(desk))
        # A writer that slipped past the checks: only the index is left to stop it.
        monkeypatch.setattr(booking.checks, "check_slot_open", _pretend_open)

        with pytest.raises(SlotTaken) as caught:
            book(session, STAFF, request(desk, patient_id=build.patient().id))

        assert caught.value.next_slot_id == desk.slot(HALF_PAST_NINE)  # type: ignore[attr-defined]
        session.commit()
        assert session.scalars(select(Appointment.id)).all() == [first.id]


def _pretend_open(
    session: Session,
    provider: Provider,
    start: datetime,
    location_id: str | None,
    duration: int,
    plan_id: str | None,
) -> object:
    from referraldesk.scheduling.slots import slot_at

    return slot_at(session, provider.id, start, duration_minutes=duration, respect_bookings=False)


class TestBookingRequest:
    def test_it_wants_a_slot_or_a_provider_and_start(self) -> None:
        with pytest.raises(InvalidArgument, match="provider_id and start go together"):
            BookingRequest.from_args({"patient_id": "p1", "provider_id": "d1"})

    def test_it_lists_every_bad_field_at_once(self) -> None:
        with pytest.raises(InvalidArgument) as caught:
            BookingRequest.from_args({"patient_id": "", "slot_id": "s", "channel": "Fax!"})

        assert caught.value.message.startswith("booking request: patient_id: ")
        assert "; channel: String should match pattern" in caught.value.message
        assert caught.value.field == "patient_id"

    def test_it_refuses_a_naive_start(self) -> None:
        with pytest.raises(InvalidArgument, match="start"):
            BookingRequest.from_args(
                {"patient_id": "p1", "provider_id": "d1", "start": "2026-03-10T09:00:00"}
            )


class TestCancel:
    def test_it_cancels_and_frees_the_slot(self, desk: Desk, session: Session) -> None:
        appointment = book(session, STAFF, request(desk))

        cancel(session, STAFF, appointment.id, "patient asked")

        assert (appointment.status, appointment.cancel_reason) == ("cancelled", "patient asked")
        assert find_slots(session, SlotQuery(start=TUESDAY, limit=1))[0].start == NINE
        assert [action for action, _, _ in audit_actions(session)] == ["book", "cancel"]

    def test_it_refuses_to_cancel_twice(self, desk: Desk, session: Session) -> None:
        appointment = book(session, STAFF, request(desk))
        cancel(session, STAFF, appointment.id, "patient asked")

        with pytest.raises(IllegalTransition, match="is cancelled, not booked"):
            cancel(session, STAFF, appointment.id, "again")

    def test_it_refuses_an_unknown_appointment(self, desk: Desk, session: Session) -> None:
        with pytest.raises(NotFound, match="no appointment with id 'nope'"):
            cancel(session, STAFF, "nope", "patient asked")


class TestReschedule:
    def test_it_moves_the_booking_and_keeps_the_referral(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        referral = build.referral(desk.patient)
        old = book(session, STAFF, request(desk, referral_id=referral.id))

        new = reschedule(session, STAFF, old.id, desk.slot(NINE + timedelta(days=1)))

        assert old.status == "cancelled"
        assert (new.status, new.start_at) == ("booked", NINE + timedelta(days=1))
        assert (new.rescheduled_from_id, new.referral_id) == (old.id, referral.id)
        assert [action for action, _, _ in audit_actions(session)][-2:] == ["cancel", "reschedule"]

    def test_it_moves_into_time_the_old_booking_held(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        build.service("derm_new", duration_minutes=60)
        old = book(session, STAFF, request(desk, service_key="derm_new"))

        new = reschedule(session, STAFF, old.id, desk.slot(HALF_PAST_NINE))

        assert (new.start_at, new.end_at) == (HALF_PAST_NINE, HALF_PAST_NINE + timedelta(hours=1))

    def test_it_leaves_the_old_booking_when_the_new_slot_is_taken(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        old = book(session, STAFF, request(desk))
        book(
            session,
            STAFF,
            request(desk, patient_id=build.patient().id, slot_id=desk.slot(HALF_PAST_NINE)),
        )
        session.commit()

        with pytest.raises(SlotTaken):
            reschedule(session, STAFF, old.id, desk.slot(HALF_PAST_NINE))
        session.commit()

        session.expire_all()
        assert session.get(Appointment, old.id).status == "booked"  # type: ignore[union-attr]
        assert (
            session.scalar(select(Appointment).where(Appointment.rescheduled_from_id == old.id))
            is None
        )
        assert [action for action, _, _ in audit_actions(session)] == ["book", "book"]

    def test_it_refuses_to_move_a_cancelled_appointment(self, desk: Desk, session: Session) -> None:
        old = book(session, STAFF, request(desk))
        cancel(session, STAFF, old.id, "patient asked")

        with pytest.raises(IllegalTransition):
            reschedule(session, STAFF, old.id, desk.slot(HALF_PAST_NINE))


class TestReferralLink:
    def test_it_links_the_referral_and_schedules_it(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        referral = build.referral(desk.patient, status="accepted")

        appointment = book(session, STAFF, request(desk, referral_id=referral.id))

        assert appointment.referral_id == referral.id
        assert (referral.status, referral.appointment_id) == ("scheduled", appointment.id)

    def test_it_sends_the_referral_back_to_contacting_on_cancel(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        referral = build.referral(desk.patient, status="accepted")
        appointment = book(session, STAFF, request(desk, referral_id=referral.id))

        cancel(session, STAFF, appointment.id, "patient asked")

        assert (referral.status, referral.appointment_id) == ("contacting", None)

    def test_it_keeps_the_referral_scheduled_across_a_reschedule(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        referral = build.referral(desk.patient, status="accepted")
        old = book(session, STAFF, request(desk, referral_id=referral.id))

        new = reschedule(session, STAFF, old.id, desk.slot(HALF_PAST_NINE))

        assert (referral.status, referral.appointment_id) == ("scheduled", new.id)


class TestLookups:
    def test_it_lists_upcoming_bookings_earliest_first(
        self, desk: Desk, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        later = book(session, STAFF, request(desk, slot_id=desk.slot(NINE + timedelta(days=1))))
        sooner = book(session, STAFF, request(desk))
        cancelled = book(session, STAFF, request(desk, slot_id=desk.slot(NINE + timedelta(days=2))))
        cancel(session, STAFF, cancelled.id, "patient asked")

        assert upcoming_appointments(session, desk.patient.id) == [sooner, later]
        frozen_now(NINE + timedelta(minutes=45))
        assert upcoming_appointments(session, desk.patient.id) == [later]
        assert upcoming_appointments(session, desk.patient.id, include_past=True) == [
            sooner,
            later,
            cancelled,
        ]

    def test_it_hides_another_patients_appointment(
        self, desk: Desk, build: Build, session: Session
    ) -> None:
        appointment = book(session, STAFF, request(desk))

        assert get_appointment(session, appointment.id, patient_id=desk.patient.id) is appointment
        with pytest.raises(NotFound):
            get_appointment(session, appointment.id, patient_id=build.patient().id)
