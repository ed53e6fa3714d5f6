"""Staff record what the patient told them: a consent given or withdrawn, with how, audited,
from the dashboard's patient page or the terminal; outreach reads it at the next round."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.patients.conftest import STAFF, add_patient
from typer.testing import CliRunner

from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.app import create_app
from referraldesk.audit.trail import Actor
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.cli import app as cli_app
from referraldesk.cli import common
from referraldesk.errors import Forbidden, InvalidArgument, NotFound
from referraldesk.models import AuditEvent, Patient, User
from referraldesk.models.auth import DashboardSession
from referraldesk.patients.consents import consents_in_force
from referraldesk.patients.staff_consents import record_by_staff

AUDITOR = Actor(name="staff:auditor@clinic.example.org", role="auditor")
INTEGRATION = Actor(name="integration:valley-ehr", role="integration")


@pytest.fixture
def patient(session: Session, today: date) -> Patient:
    return add_patient(session, "Daniel", ["Ortega"], date(1979, 11, 22))


def audit_reasons(session: Session, patient: Patient) -> list[str | None]:
    return list(session.scalars(select(AuditEvent.reason).where(
        AuditEvent.patient_id == patient.id, AuditEvent.resource_type == "consent")))


class TestService:
    def test_it_records_a_consent_given_with_how_and_audits_it(
        self, session: Session, patient: Patient
    ) -> None:
        consent = record_by_staff(session, STAFF, patient.id, "texts", True,
                                  "said yes to texts at check-in")

        assert (consent.kind, consent.granted, consent.source) == ("texts", True, "staff")
        assert consents_in_force(patient)["texts"] is True
        assert audit_reasons(session, patient) == [
            "texts granted via staff: said yes to texts at check-in"]

    def test_a_withdrawal_is_a_new_record_that_wins(
        self, session: Session, patient: Patient
    ) -> None:
        record_by_staff(session, STAFF, patient.id, "automated_calls", True, "asked for calls")

        record_by_staff(session, STAFF, patient.id, "automated_calls", False, "no more calls")

        assert [c.granted for c in patient.consents] == [True, False]
        assert consents_in_force(patient)["automated_calls"] is False

    @pytest.mark.parametrize("actor", [AUDITOR, INTEGRATION], ids=["auditor", "integration"])
    def test_only_the_front_desk_may_record_one(
        self, session: Session, patient: Patient, actor: Actor
    ) -> None:
        with pytest.raises(Forbidden, match=f"the {actor.role} role may not record"):
            record_by_staff(session, actor, patient.id, "texts", True, "said yes at the desk")

        assert patient.consents == []

    def test_it_needs_a_reason_without_the_patients_details(
        self, session: Session, patient: Patient
    ) -> None:
        with pytest.raises(InvalidArgument, match="say how the patient"):
            record_by_staff(session, STAFF, patient.id, "texts", True, " ")
        with pytest.raises(InvalidArgument, match="must not contain the patient's name"):
            record_by_staff(session, STAFF, patient.id, "texts", True, "Ortega said yes")

        assert patient.consents == []

    def test_it_refuses_an_unknown_kind_and_an_unknown_patient(
        self, session: Session, patient: Patient
    ) -> None:
        with pytest.raises(InvalidArgument, match="consent kind 'email' is not one of"):
            record_by_staff(session, STAFF, patient.id, "email", True, "said yes")
        with pytest.raises(NotFound):
            record_by_staff(session, STAFF, "0" * 32, "texts", True, "said yes")


def test_the_consent_command_records_it(
    session: Session, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)
    session.commit()

    result = CliRunner().invoke(cli_app, [
        "patients", "consent", patient.id, "texts", "--given", "--reason", "yes by phone"])

    assert result.exit_code == 0, result.output
    printed = result.output.splitlines()[-1]
    assert printed == f"{patient.id}  texts given (2026-03-04T18:00:00+00:00)"
    session.expire_all()
    assert consents_in_force(patient)["texts"] is True
    assert audit_reasons(session, patient) == ["texts granted via staff: yes by phone"]


@pytest.fixture
def desk(engine: Engine, session: Session, patient: Patient) -> Iterator[tuple[TestClient, str]]:
    user = User(email="desk@clinic.example.org", role="staff", password_hash="unused")
    session.add(user)
    session.flush()
    secret = start_session(session, user, source_address="testclient")
    row = session.get(DashboardSession, hash_secret(secret))
    assert row is not None
    csrf = row.csrf_token
    session.commit()
    with TestClient(create_app(engine), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, secret, path="/admin")
        yield client, csrf


def test_the_patient_page_records_a_consent_and_says_so(
    session: Session, patient: Patient, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk
    page = client.get(f"/admin/patients/{patient.id}")
    assert f'action="/admin/patients/{patient.id}/consents"' in page.text

    posted = client.post(f"/admin/patients/{patient.id}/consents", data={
        "csrf_token": csrf, "kind": "texts", "granted": "yes", "reason": "yes at check-in"})
    shown = client.get(posted.headers["location"])

    assert posted.status_code == 303
    assert posted.headers["location"] == f"/admin/patients/{patient.id}?done=consent#consents"
    assert "Consent recorded: outreach follows it from the next round." in shown.text
    assert "<li>Automated calls: no</li>" in shown.text
    assert "<li>Texts: yes</li>" in shown.text
    session.expire_all()
    [consent] = patient.consents
    assert (consent.kind, consent.granted, consent.source) == ("texts", True, "staff")


def test_the_patient_page_refuses_a_form_without_an_answer(
    session: Session, patient: Patient, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk

    posted = client.post(f"/admin/patients/{patient.id}/consents", data={
        "csrf_token": csrf, "kind": "texts", "reason": "yes at check-in"})

    assert posted.status_code == 422
    session.expire_all()
    assert patient.consents == []
