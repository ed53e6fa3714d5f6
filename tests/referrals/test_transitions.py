from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import IllegalTransition, InvalidArgument
from referraldesk.models import AuditEvent, Referral
from referraldesk.referrals.service import (
    create_referral,
    link_appointment,
    on_appointment_booked,
    on_appointment_cancelled,
    on_appointment_fulfilled,
    on_appointment_no_show,
    on_appointment_rescheduled,
    transition,
)

from .conftest import INTEGRATION, Clinic, appointment, referral_payload


@pytest.fixture
def referral(session: Session, clinic: Clinic) -> Referral:
    """An accepted dermatology referral for María."""
    return create_referral(session, INTEGRATION, referral_payload(clinic))


def moves(referral: Referral) -> list[str]:
    return [step.to_status for step in referral.history]


class TestTransition:
    def test_it_records_who_when_why_and_the_causing_message(
        self, session: Session, referral: Referral, staff: Actor
    ) -> None:
        transition(
            session,
            staff,
            referral,
            "contacting",
            reason="first outreach call",
            source_message_id="CA123",
        )

        step = referral.history[-1]
        assert (step.seq, step.from_status, step.to_status) == (3, "accepted", "contacting")
        assert (step.actor, step.reason, step.source_message_id) == (
            staff.name,
            "first outreach call",
            "CA123",
        )
        assert step.at.isoformat() == "2026-03-04T18:00:00+00:00"

    def test_it_audits_the_move_without_the_free_text(
        self, session: Session, referral: Referral, staff: Actor
    ) -> None:
        transition(session, staff, referral, "contacting", reason="patient asked for Dr. Ruiz")

        event = session.scalars(select(AuditEvent).where(AuditEvent.actor == staff.name)).one()
        assert (event.action, event.reason) == ("update", "status accepted -> contacting")

    def test_it_refuses_an_illegal_move_and_changes_nothing(
        self, session: Session, referral: Referral, staff: Actor
    ) -> None:
        with pytest.raises(IllegalTransition, match="from accepted to visit_kept"):
            transition(session, staff, referral, "visit_kept")

        assert referral.status == "accepted"
        assert moves(referral) == ["received", "accepted"]

    def test_it_requires_a_leakage_reason_to_lose_a_referral(
        self, session: Session, referral: Referral, staff: Actor
    ) -> None:
        transition(session, staff, referral, "contacting")

        with pytest.raises(InvalidArgument, match="needs a leakage_reason"):
            transition(session, staff, referral, "declined")
        transition(
            session,
            staff,
            referral,
            "declined",
            leakage_reason="patient_declined",
            reason="will see a dermatologist in Fresno",
        )

        assert (referral.status, referral.leakage_reason) == ("declined", "patient_declined")

    def test_it_cancels_from_any_open_state(
        self, session: Session, referral: Referral, staff: Actor
    ) -> None:
        transition(session, staff, referral, "cancelled", reason="REF^I14 from the referrer")

        assert referral.status == "cancelled"
        with pytest.raises(IllegalTransition, match="reopen it as a new referral"):
            transition(session, staff, referral, "accepted")


class TestAppointmentHooks:
    def test_booking_schedules_the_referral(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        booked = appointment(session, clinic, clinic.dermatologist, referral_id=referral.id)

        touched = on_appointment_booked(session, staff, booked)

        assert touched is referral
        assert (referral.status, referral.appointment_id) == ("scheduled", booked.id)
        assert referral.history[-1].reason == "appointment booked"

    def test_booking_finds_the_open_referral_for_that_specialty(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        booked = appointment(session, clinic, clinic.dermatologist)

        on_appointment_booked(session, staff, booked)

        assert (referral.status, booked.referral_id) == ("scheduled", referral.id)

    def test_booking_another_specialty_leaves_the_referral_alone(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        booked = appointment(session, clinic, clinic.orthopedist)

        assert on_appointment_booked(session, staff, booked) is None
        assert referral.status == "accepted"

    def test_booking_links_but_does_not_advance_a_referral_that_needs_information(
        self, session: Session, clinic: Clinic, staff: Actor
    ) -> None:
        waiting = create_referral(session, INTEGRATION, referral_payload(clinic, reason=""))
        booked = appointment(session, clinic, clinic.dermatologist, referral_id=waiting.id)

        on_appointment_booked(session, staff, booked)

        assert (waiting.status, waiting.appointment_id) == ("needs_info", booked.id)

    def test_cancelling_sends_the_referral_back_to_contacting(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        booked = appointment(session, clinic, clinic.dermatologist, referral_id=referral.id)
        on_appointment_booked(session, staff, booked)

        on_appointment_cancelled(session, staff, booked)

        assert (referral.status, referral.appointment_id) == ("contacting", None)
        assert referral.history[-1].reason == "appointment cancelled"

    def test_a_no_show_goes_back_through_contacting_when_rebooked(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        first = appointment(session, clinic, clinic.dermatologist, referral_id=referral.id)
        on_appointment_booked(session, staff, first)
        on_appointment_no_show(session, staff, first)
        second = appointment(
            session, clinic, clinic.dermatologist, days=14, referral_id=referral.id
        )

        on_appointment_booked(session, staff, second)

        assert moves(referral) == [
            "received",
            "accepted",
            "scheduled",
            "no_show",
            "contacting",
            "scheduled",
        ]
        assert referral.appointment_id == second.id

    def test_a_kept_visit_waits_for_the_consult_note(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        booked = appointment(session, clinic, clinic.dermatologist, referral_id=referral.id)
        on_appointment_booked(session, staff, booked)

        on_appointment_fulfilled(session, staff, booked)
        transition(session, staff, referral, "closed", reason="consult note faxed")

        assert moves(referral)[-2:] == ["visit_kept", "closed"]

    def test_rescheduling_moves_the_link_without_leaving_scheduled(
        self, session: Session, clinic: Clinic, referral: Referral, staff: Actor
    ) -> None:
        old = appointment(session, clinic, clinic.dermatologist, referral_id=referral.id)
        on_appointment_booked(session, staff, old)
        new = appointment(session, clinic, clinic.dermatologist, days=9, referral_id=referral.id)

        on_appointment_rescheduled(session, staff, old, new)
        on_appointment_cancelled(session, staff, old)

        assert (referral.status, referral.appointment_id) == ("scheduled", new.id)
        assert moves(referral) == ["received", "accepted", "scheduled"]

    def test_linking_refuses_a_referral_still_being_triaged(
        self, session: Session, clinic: Clinic, staff: Actor
    ) -> None:
        waiting = create_referral(session, INTEGRATION, referral_payload(clinic, reason=""))
        booked = appointment(session, clinic, clinic.dermatologist)

        with pytest.raises(IllegalTransition, match="from needs_info to scheduled"):
            link_appointment(session, staff, waiting, booked)

        assert waiting.appointment_id is None
