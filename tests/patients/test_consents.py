from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import AuditEvent, Patient, Plan
from referraldesk.patients.service import consents_in_force, opt_out_everywhere, record_consent

from .conftest import add_patient


@pytest.fixture
def patient(session: Session, plans: dict[str, Plan], today: date) -> Patient:
    return add_patient(session, "Ramón", ["Gil"], date(1955, 1, 17), plan=plans["medicare"])


class TestConsents:
    def test_it_holds_no_consent_until_one_is_recorded(self, patient: Patient) -> None:
        assert consents_in_force(patient) == {
            "recording": False,
            "automated_calls": False,
            "texts": False,
            "non_care_use": False,
        }

    def test_it_records_a_consent_and_audits_it(
        self, session: Session, patient: Patient, staff: Actor
    ) -> None:
        consent = record_consent(session, staff, patient.id, "texts", True, "sms", "conv1")

        assert consents_in_force(patient)["texts"] is True
        assert consent.conversation_id == "conv1"
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "consent")
        ).one()
        assert (event.patient_id, event.reason) == (patient.id, "texts granted via sms")

    def test_it_keeps_the_latest_record_in_force_under_a_frozen_clock(
        self, session: Session, patient: Patient, staff: Actor
    ) -> None:
        record_consent(session, staff, patient.id, "recording", True, "voice")
        record_consent(session, staff, patient.id, "recording", False, "voice")
        session.commit()
        session.expire_all()

        reloaded = session.get(Patient, patient.id)
        assert reloaded is not None
        assert consents_in_force(reloaded)["recording"] is False
        assert len(reloaded.consents) == 2

    def test_it_withdraws_calls_and_texts_at_once_on_stop(
        self, session: Session, patient: Patient, staff: Actor
    ) -> None:
        for kind in ("automated_calls", "texts", "recording"):
            record_consent(session, staff, patient.id, kind, True, "intake")

        withdrawn = opt_out_everywhere(session, staff, patient.id, "sms")

        assert {c.kind for c in withdrawn} == {"automated_calls", "texts"}
        assert consents_in_force(patient) == {
            "recording": True,
            "automated_calls": False,
            "texts": False,
            "non_care_use": False,
        }

    def test_it_names_every_bad_value(
        self, session: Session, patient: Patient, staff: Actor
    ) -> None:
        with pytest.raises(InvalidArgument) as caught:
            record_consent(session, staff, patient.id, "marketing", True, "carrier pigeon")

        assert "'marketing'" in caught.value.message and "'carrier pigeon'" in caught.value.message
        assert "automated_calls" in caught.value.message

    def test_it_refuses_an_unknown_patient(
        self, session: Session, patient: Patient, staff: Actor
    ) -> None:
        with pytest.raises(NotFound):
            record_consent(session, staff, "nope", "texts", True, "sms")
