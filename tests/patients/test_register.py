from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.errors import Ambiguous, Duplicate, InvalidArgument, NotFound
from referraldesk.models import AuditEvent, Patient, Plan
from referraldesk.patients.identity import find_patient
from referraldesk.patients.schemas import parse_patient
from referraldesk.patients.service import (
    DuplicatePatient,
    PatientIn,
    patient_summary,
    primary_plan,
    register_patient,
)

from .conftest import STAFF, add_plans


def payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_names": "María Elena",
        "surnames": ["López", "García"],
        "dob": "1985-04-03",
        "phone": "(559) 555-0143",
        "preferred_language": "es",
        "plan": "Medi-Cal de Anthem",
        "member_id": "92231190A",
    }
    data.update(changes)
    return data


class TestRegisterPatient:
    def test_it_registers_with_phone_plan_and_name_key(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        patient = register_patient(session, staff, payload())

        assert patient.surnames == ["López", "García"]
        assert patient.dob == date(1985, 4, 3)
        assert patient.name_key == "maria elena|lopez garcia"
        assert patient.primary_phone == "+15595550143"
        assert primary_plan(patient) == plans["anthem_medi_cal"]
        assert patient.coverages[0].member_id == "92231190A"
        assert patient.preferred_language == "es"
        assert patient.identity_confirmed is True

    def test_it_audits_the_creation(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        patient = register_patient(session, staff, payload())

        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "create")).one()
        assert (event.actor, event.resource_type, event.patient_id) == (
            STAFF.name,
            "patient",
            patient.id,
        )

    def test_it_marks_a_patient_registered_from_a_referral(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        patient = register_patient(session, staff, payload(), identity_confirmed=False)

        assert patient.identity_confirmed is False

    @pytest.mark.parametrize(
        "changes",
        [
            {},
            {"given_names": "MARIA ELENA", "surnames": ["LOPEZ-GARCIA"]},
            {"given_names": "Maria", "surnames": ["Lopez", "Garcia"], "phone": "559-555-0199"},
        ],
    )
    def test_it_refuses_a_duplicate(
        self,
        session: Session,
        plans: dict[str, Plan],
        today: date,
        staff: Actor,
        changes: dict[str, Any],
    ) -> None:
        first = register_patient(session, staff, payload())

        with pytest.raises(DuplicatePatient) as caught:
            register_patient(session, staff, payload(**changes))

        assert caught.value.existing_id == first.id
        assert isinstance(caught.value, Duplicate) and caught.value.code == "duplicate"
        assert session.scalar(select(Patient).where(Patient.id != first.id)) is None

    def test_it_registers_a_namesake_born_another_day(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        register_patient(session, staff, payload())

        other = register_patient(session, staff, payload(dob="1985-04-04"))

        assert other.dob == date(1985, 4, 4)

    def test_it_reports_every_problem_at_once(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        bad = payload(
            dob="2026-05-01",
            phone="11234567890",
            surnames=["A", "B", "C"],
            preferred_language="fr",
            favourite_colour="blue",
        )

        with pytest.raises(InvalidArgument) as caught:
            register_patient(session, staff, bad)

        message = caught.value.message
        for field in ("dob", "phone", "surnames", "preferred_language", "favourite_colour"):
            assert f"{field}:" in message
        assert "in the future" in message and "area code starting with 0 or 1" in message

    def test_it_refuses_a_birth_date_over_120_years_ago(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        with pytest.raises(InvalidArgument, match="more than 120 years ago") as caught:
            register_patient(session, staff, payload(dob="1900-01-01"))

        assert caught.value.field == "dob"

    def test_it_reads_language_names(self, today: date) -> None:
        assert (
            PatientIn.model_validate(payload(preferred_language="Español")).preferred_language
            == "es"
        )

    def test_it_stores_contact_windows_in_one_form(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        windows = ["weekdays before 08:00", {"weekdays": ["sat"], "after": None, "before": None}]

        patient = register_patient(session, staff, payload(contact_windows=windows))

        assert patient.contact_windows == [
            {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "after": None, "before": "08:00"},
            {"weekdays": ["sat"], "after": None, "before": None},
        ]

    def test_it_refuses_an_unreadable_contact_window(self, today: date) -> None:
        with pytest.raises(InvalidArgument, match="contact_windows") as caught:
            parse_patient(payload(contact_windows=["whenever"]))

        assert "whenever" in caught.value.message

    def test_it_records_intake_consents(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        patient = register_patient(
            session, staff, payload(consents={"texts": True, "recording": False})
        )

        assert {(c.kind, c.granted, c.source) for c in patient.consents} == {
            ("texts", True, "intake"),
            ("recording", False, "intake"),
        }

    def test_it_refuses_an_unknown_plan_before_writing_anything(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        with pytest.raises(NotFound, match="Kaiser"):
            register_patient(session, staff, payload(plan="Kaiser Permanente"))

        assert session.scalar(select(Patient)) is None


class TestPatientSummary:
    def test_it_masks_phones_and_leaves_out_the_birth_date(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        patient = register_patient(session, staff, payload())

        summary = patient_summary(patient)

        assert summary == {
            "id": patient.id,
            "given_names": "María Elena",
            "surnames": ["López", "García"],
            "preferred_language": "es",
            "plan": "Anthem Blue Cross Medi-Cal",
            "phones": ["***-***-0143"],
            "contact_windows": [],
        }


class TestStorage:
    def test_it_registers_and_finds_a_patient_on_both_databases(
        self, any_engine: Engine, today: date
    ) -> None:
        factory = session_factory(any_engine)
        with factory() as session:
            add_plans(session)
            patient_id = register_patient(session, STAFF, payload()).id
            session.commit()

        with factory() as session:
            found = find_patient(session, "Maria Elena", ["Lopez"], date(1985, 4, 3))
            assert found.id == patient_id
            assert found.phones[0].e164 == "+15595550143"
            assert primary_plan(found) is not None
            with pytest.raises(DuplicatePatient):
                register_patient(session, STAFF, payload(given_names="María"))

    def test_it_refuses_a_second_registration_when_two_already_match(
        self, session: Session, plans: dict[str, Plan], today: date, staff: Actor
    ) -> None:
        register_patient(session, staff, payload(given_names="María Elena"))
        register_patient(session, staff, payload(given_names="María José"))

        with pytest.raises(Duplicate) as caught:
            register_patient(session, staff, payload(given_names="María"))

        assert not isinstance(caught.value, DuplicatePatient)
        assert isinstance(caught.value.__cause__, Ambiguous)
