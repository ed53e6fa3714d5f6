from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import AuditEvent, Closure, Referral, ReferringPractice
from referraldesk.referrals.service import (
    create_referral,
    intake_referral,
    open_referrals,
    referral_summary,
    transition,
)

from .conftest import INTEGRATION, NOW, Clinic, build_clinic, patient, referral_payload


def statuses(referral: Referral) -> list[tuple[str | None, str]]:
    return [(step.from_status, step.to_status) for step in referral.history]


class TestCreateReferral:
    def test_it_accepts_a_complete_in_network_referral_at_intake(
        self, session: Session, clinic: Clinic
    ) -> None:
        referral = create_referral(
            session,
            INTEGRATION,
            referral_payload(clinic),
            source="hl7",
            source_message_id="VFM20260306-0101",
        )

        assert referral.status == "accepted"
        assert statuses(referral) == [(None, "received"), ("received", "accepted")]
        assert [step.seq for step in referral.history] == [1, 2]
        assert {step.actor for step in referral.history} == {"integration:valley-ehr"}
        assert {step.source_message_id for step in referral.history} == {"VFM20260306-0101"}
        assert referral.history[0].reason == "received via hl7"
        assert referral.source == "hl7"
        assert referral.target_date == date(2026, 3, 25)

    def test_it_audits_the_creation_and_the_acceptance(
        self, session: Session, clinic: Clinic
    ) -> None:
        referral = create_referral(session, INTEGRATION, referral_payload(clinic))

        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_id == referral.id).order_by(AuditEvent.seq)
        ).all()
        assert [(e.action, e.reason) for e in events] == [
            ("create", None),
            ("update", "status received -> accepted"),
        ]
        assert {e.patient_id for e in events} == {clinic.maria.id}

    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ("Dermatology", "dermatology"),
            ("dermatología", "dermatology"),
            ("DERMATOLOGIA", "dermatology"),
            ("Orthopedic surgery", "orthopedics"),
            ("Ortopedia", "orthopedics"),
            ("Physical Therapy", "physical_therapy"),
            ("physical_therapy", "physical_therapy"),
        ],
    )
    def test_it_reads_the_specialty_as_a_key_or_a_plain_name(
        self, session: Session, clinic: Clinic, text: str, key: str
    ) -> None:
        referral = create_referral(session, INTEGRATION, referral_payload(clinic, specialty=text))

        assert referral.specialty_key == key

    def test_it_keeps_a_specialty_nobody_offers_for_a_coordinator(
        self, session: Session, clinic: Clinic
    ) -> None:
        referral = create_referral(
            session, INTEGRATION, referral_payload(clinic, specialty="Podiatry")
        )

        assert (referral.status, referral.specialty_key) == ("received", "podiatry")
        assert referral.history[0].reason == (
            "received via json; waits for a coordinator: no active podiatry provider taking "
            "Anthem Blue Cross Medi-Cal"
        )

    @pytest.mark.parametrize("specialty", ["cardiology", "physical_therapy"])
    def test_it_does_not_accept_without_an_active_in_network_provider(
        self, session: Session, clinic: Clinic, specialty: str
    ) -> None:
        referral = create_referral(
            session, INTEGRATION, referral_payload(clinic, specialty=specialty)
        )

        assert referral.status == "received"

    def test_it_accepts_a_self_pay_patient_for_any_active_provider(
        self, session: Session, clinic: Clinic
    ) -> None:
        cash = patient(session, "Tomás", ["Quintero", "Lara"], clinic.self_pay)

        referral = create_referral(
            session,
            INTEGRATION,
            referral_payload(clinic, patient_id=cash.id, specialty="physical_therapy"),
        )

        assert referral.status == "accepted"

    def test_it_leaves_acceptance_to_a_coordinator_when_the_policy_says_so(
        self, session: Session, clinic: Clinic
    ) -> None:
        clinic.practice.policy = {"auto_accept_referrals": False}
        session.flush()

        referral = create_referral(session, INTEGRATION, referral_payload(clinic))

        assert referral.status == "received"
        assert referral.history[0].reason.endswith("the practice accepts referrals by hand")

    @pytest.mark.parametrize(
        ("changes", "patient_kwargs", "missing"),
        [
            ({"reason": "  "}, None, "missing: reason for referral"),
            ({"authorization_required": True}, None, "missing: authorization"),
            ({}, {"plan": None}, "missing: insurance"),
            ({}, {"phone": None}, "missing: patient phone"),
            (
                {"reason": "", "authorization_required": True},
                {"plan": None, "phone": None},
                "missing: reason for referral, patient phone, insurance, authorization",
            ),
        ],
    )
    def test_it_asks_for_whatever_is_missing(
        self,
        session: Session,
        clinic: Clinic,
        changes: dict[str, Any],
        patient_kwargs: dict[str, Any] | None,
        missing: str,
    ) -> None:
        if patient_kwargs is not None:
            kwargs = {"plan": clinic.anthem, **patient_kwargs}
            changes["patient_id"] = patient(session, "Ramón", ["Gil"], **kwargs).id

        referral = create_referral(session, INTEGRATION, referral_payload(clinic, **changes))

        assert referral.status == "needs_info"
        assert referral.history[-1].reason == missing

    @pytest.mark.parametrize(
        ("changes", "target"),
        [
            ({"urgency": "stat"}, date(2026, 3, 6)),
            ({"urgency": "URGENT"}, date(2026, 3, 6)),
            ({"urgency": "urgent", "authorization_number": "AUTH-1"}, date(2026, 3, 8)),
            ({"urgency": "R"}, date(2026, 3, 25)),
        ],
    )
    def test_it_sets_the_target_date_from_urgency(
        self, session: Session, clinic: Clinic, changes: dict[str, Any], target: date
    ) -> None:
        referral = create_referral(session, INTEGRATION, referral_payload(clinic, **changes))

        assert referral.target_date == target

    def test_it_skips_practice_wide_closures_in_the_target(
        self, session: Session, clinic: Clinic
    ) -> None:
        session.add(
            Closure(starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 20), name="Spring closure")
        )
        session.flush()

        referral = create_referral(session, INTEGRATION, referral_payload(clinic))

        assert referral.target_date == date(2026, 4, 1)

    def test_it_normalizes_diagnosis_codes(self, session: Session, clinic: Clinic) -> None:
        referral = create_referral(
            session, INTEGRATION, referral_payload(clinic, icd10=["m25561", "W11.XXXA", " "])
        )

        assert referral.icd10 == ["M25.561", "W11.XXXA"]

    def test_it_reports_every_bad_field_at_once(self, session: Session, clinic: Clinic) -> None:
        bad = referral_payload(
            clinic,
            icd10=["knee", "M25.561", "12.3"],
            referring_npi="12345",
            urgency="soon",
            referring_practice="",
        )

        with pytest.raises(InvalidArgument) as caught:
            create_referral(session, INTEGRATION, bad)

        message = caught.value.message
        assert "'knee', '12.3'" in message and "ten digits" in message
        for field in ("icd10:", "referring_npi:", "urgency:", "referring_practice:"):
            assert field in message

    def test_it_refuses_a_patient_that_does_not_exist(
        self, session: Session, clinic: Clinic
    ) -> None:
        with pytest.raises(NotFound, match="register the patient first") as caught:
            create_referral(session, INTEGRATION, referral_payload(clinic, patient_id="missing"))

        assert caught.value.field == "patient_id"

    def test_it_refuses_an_unknown_source(self, session: Session, clinic: Clinic) -> None:
        with pytest.raises(InvalidArgument, match="'telex' is not one of"):
            create_referral(session, INTEGRATION, referral_payload(clinic), source="telex")


class TestPlacerDedupe:
    def test_it_returns_the_referral_on_file_for_a_resent_placer_id(
        self, session: Session, clinic: Clinic
    ) -> None:
        first = intake_referral(session, INTEGRATION, referral_payload(clinic))

        again = intake_referral(
            session,
            INTEGRATION,
            referral_payload(clinic, referring_practice="VALLEY FAMILY MEDICINE"),
            source_message_id="resend-2",
        )

        assert (first.created, again.created) == (True, False)
        assert again.referral.id == first.referral.id
        assert session.scalar(select(func.count()).select_from(Referral)) == 1
        assert session.scalar(select(func.count()).select_from(ReferringPractice)) == 1
        duplicate = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "duplicate")
        ).one()
        assert duplicate.reason == "same placer id sent again (message resend-2)"

    def test_it_keeps_the_same_placer_id_from_another_practice_apart(
        self, session: Session, clinic: Clinic
    ) -> None:
        first = create_referral(session, INTEGRATION, referral_payload(clinic))

        other = create_referral(
            session, INTEGRATION, referral_payload(clinic, referring_practice="Woodlake Clinic")
        )

        assert other.id != first.id

    def test_it_never_dedupes_referrals_without_a_placer_id(
        self, session: Session, clinic: Clinic
    ) -> None:
        first = create_referral(session, INTEGRATION, referral_payload(clinic, placer_id=None))

        second = create_referral(session, INTEGRATION, referral_payload(clinic, placer_id=None))

        assert first.id != second.id


class TestQueries:
    def test_it_lists_open_referrals_newest_first(
        self, session: Session, clinic: Clinic, frozen_now: Any
    ) -> None:
        older = create_referral(session, INTEGRATION, referral_payload(clinic, placer_id="A"))
        frozen_now(clock.now() + timedelta(hours=1))
        newer = create_referral(session, INTEGRATION, referral_payload(clinic, placer_id="B"))
        closed = create_referral(session, INTEGRATION, referral_payload(clinic, placer_id="C"))
        transition(session, INTEGRATION, closed, "cancelled", reason="sent elsewhere")

        assert [r.id for r in open_referrals(session, clinic.maria.id)] == [newer.id, older.id]

    def test_it_summarizes_a_referral_in_the_api_shape(
        self, session: Session, clinic: Clinic, staff: Actor
    ) -> None:
        referral = create_referral(session, INTEGRATION, referral_payload(clinic))

        summary = referral_summary(referral)

        assert summary == {
            "id": referral.id,
            "status": "accepted",
            "patient_id": clinic.maria.id,
            "specialty": "dermatology",
            "urgency": "routine",
            "target_date": "2026-03-25",
            "placer_id": "VFM-R-88310",
            "referring_practice": "Valley Family Medicine",
            "referring_provider": "Dra. Ana Ruiz",
            "reason": "rash on both forearms for three months",
            "appointment_id": None,
            "notes": None,
            "icd10": ["L30.9"],
            "leakage_reason": None,
            "received_at": "2026-03-04T18:00:00+00:00",
            "history": [
                {
                    "seq": 1,
                    "from": None,
                    "to": "received",
                    "at": "2026-03-04T18:00:00+00:00",
                    "actor": "integration:valley-ehr",
                    "reason": "received via json",
                    "source_message_id": None,
                },
                {
                    "seq": 2,
                    "from": "received",
                    "to": "accepted",
                    "at": "2026-03-04T18:00:00+00:00",
                    "actor": "integration:valley-ehr",
                    "reason": "complete and in network; accepted at intake by practice policy",
                    "source_message_id": None,
                },
            ],
        }


class TestStorage:
    def test_it_creates_dedupes_and_moves_a_referral_on_both_databases(
        self, any_engine: Engine, frozen_now: Any
    ) -> None:
        frozen_now(NOW)
        factory = session_factory(any_engine)
        with factory() as session:
            clinic = build_clinic(session)
            payload = referral_payload(clinic)
            referral_id = create_referral(session, INTEGRATION, payload).id
            session.commit()

        with factory() as session:
            again = intake_referral(session, INTEGRATION, payload)
            transition(session, INTEGRATION, again.referral, "contacting", reason="first call")
            transition(
                session,
                INTEGRATION,
                again.referral,
                "unreachable",
                leakage_reason="unreachable",
                reason="three attempts",
            )
            session.commit()

        with factory() as session:
            stored = session.get(Referral, referral_id)
            assert stored is not None and again.created is False
            assert stored.status == "unreachable" and stored.leakage_reason == "unreachable"
            assert [step.seq for step in stored.history] == [1, 2, 3, 4]
            assert stored.history[-1].to_status == "unreachable"
            assert stored.target_date == date(2026, 3, 25)
