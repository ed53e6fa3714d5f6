"""Intake: the failed queue with fix and replay, a faxed referral typed in, a CSV upload."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk.db.session import session_scope
from referraldesk.models import Patient, Referral
from referraldesk.models.intake import IntakeMessage

FAX = {
    "given_names": "Rosa", "surname1": "Mendoza", "surname2": "Ortiz", "dob": "1971-04-12",
    "phone": "(559) 555-0177", "preferred_language": "es", "plan": "Medicare",
    "specialty": "Cardiology", "reason": "Palpitations on exertion", "icd10": "R00.2",
    "urgency": "routine", "referring_practice": "Valley Family Medicine",
    "referring_provider": "Dr. Lena Ortiz", "placer_id": "FAX-2026-031",
}


def test_the_queue_lists_what_failed_with_its_error(signed_in: SignIn, world: World) -> None:
    page = signed_in("coordinator").get("/admin/intake")

    assert [m.id for m in page.context["messages"]] == [world.failed_message_id]
    assert "patient_dob" in page.text


def test_a_corrected_message_replays_into_a_referral(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    coordinator = signed_in("coordinator")
    body = coordinator.get(f"/admin/intake/{world.failed_message_id}").context["message"].body

    response = coordinator.post(f"/admin/intake/{world.failed_message_id}/replay",
                                {"body": body.replace("02/30/1990", "1990-02-28"),
                                 "corrected": "yes"})

    assert response.status_code == 303
    retry_page = coordinator.get(response.headers["location"])
    retry = retry_page.context["message"]
    assert (retry.status, retry.replay_of_id) == ("applied", world.failed_message_id)
    assert "Replayed" in retry_page.text
    with session_scope(engine) as session:
        assert session.get(IntakeMessage, world.failed_message_id).status == "replayed"  # type: ignore[union-attr]
        assert session.scalar(select(Referral).where(Referral.placer_id == "WMC-1103")) is not None


def test_replaying_as_it_was_fails_again_and_stays_queued(signed_in: SignIn, world: World) -> None:
    coordinator = signed_in("coordinator")

    response = coordinator.post(f"/admin/intake/{world.failed_message_id}/replay",
                                {"corrected": "no"})

    retry = coordinator.get(response.headers["location"]).context["message"]
    assert retry.status == "failed"
    assert [m.id for m in coordinator.get("/admin/intake").context["messages"]] == [retry.id]


def test_a_faxed_referral_registers_the_patient_and_takes_the_referral_in(
    signed_in: SignIn, engine: Engine
) -> None:
    response = signed_in("coordinator").post("/admin/intake/fax", FAX)

    assert response.status_code == 303
    with session_scope(engine) as session:
        referral = session.scalar(select(Referral).where(Referral.placer_id == "FAX-2026-031"))
        assert referral is not None
        patient = session.get(Patient, referral.patient_id)
        assert patient is not None
        assert (referral.source, referral.specialty_key) == ("staff", "cardiology")
        assert (patient.full_name, patient.identity_confirmed) == ("Rosa Mendoza Ortiz", False)
        assert response.headers["location"] == f"/admin/referrals/{referral.id}?done=created"
        # A referral typed from a fax allows what the same referral by HL7 would.
        assert [(c.kind, c.granted, c.source) for c in patient.consents] == [
            ("automated_calls", True, "referral")
        ]


def test_a_faxed_referral_for_a_patient_on_file_uses_that_patient(
    signed_in: SignIn, engine: Engine, world: World
) -> None:
    with session_scope(engine) as session:
        patient = session.get(Patient, world.patient_id)
        assert patient is not None
        known = {"given_names": patient.given_names, "surname1": patient.surnames[0],
                 "surname2": patient.surnames[1] if len(patient.surnames) > 1 else "",
                 "dob": patient.dob.isoformat()}
        before = session.scalar(select(func.count()).select_from(Patient))

    signed_in("coordinator").post("/admin/intake/fax", {**FAX, **known})

    with session_scope(engine) as session:
        referral = session.scalar(select(Referral).where(Referral.placer_id == "FAX-2026-031"))
        assert referral is not None and referral.patient_id == world.patient_id
        assert session.scalar(select(func.count()).select_from(Patient)) == before


def test_a_fax_form_with_mistakes_lists_every_one_and_keeps_what_was_typed(
    signed_in: SignIn, engine: Engine
) -> None:
    page = signed_in("coordinator").post(
        "/admin/intake/fax", {**FAX, "dob": "2090-01-01", "phone": "12", "icd10": "nonsense"})

    assert page.status_code == 422
    problems = page.context["problems"]
    assert len(problems) == 3
    assert any("patient dob" in p for p in problems) and any("patient phone" in p for p in problems)
    assert any("referral icd10" in p for p in problems)
    assert 'value="Rosa"' in page.text
    with session_scope(engine) as session:
        assert session.scalar(select(Referral).where(Referral.placer_id == "FAX-2026-031")) is None


def test_a_csv_upload_reports_each_row(signed_in: SignIn) -> None:
    coordinator = signed_in("coordinator")
    rows = (
        "placer_id,referring_practice,referring_provider_npi,referring_provider,patient_given,"
        "patient_surnames,patient_dob,patient_phone,preferred_language,plan,member_id,specialty,"
        "reason,icd10,urgency\n"
        "CSV-1,Woodlake Clinic,1336271901,Dra. Carmen Ibarra,Ramón,Gil,1955-01-17,559-555-0292,"
        "es,Medicare,1EG4TE5MK72,cardiology,Dolor de pecho,I20.9,urgent\n"
        "CSV-2,Woodlake Clinic,1336271901,Dra. Carmen Ibarra,Ana,Paz,1955-01-17,,es,Medicare,,"
        "cardiology,Dolor,I20.9,routine\n"
    )

    page = coordinator.client.post("/admin/intake/csv", data={"csrf_token": coordinator.csrf},
                                   files={"file": ("woodlake.csv", rows.encode(), "text/csv")})

    report = page.context["report"]
    assert (report.imported, report.rejected) == (1, 1)
    assert "1 imported, 1 rejected" in page.text


def test_an_empty_upload_is_refused_plainly(signed_in: SignIn) -> None:
    coordinator = signed_in("coordinator")

    page = coordinator.client.post("/admin/intake/csv", data={"csrf_token": coordinator.csrf},
                                   files={"file": ("empty.csv", b"", "text/csv")})

    assert page.status_code == 422 and "is empty" in page.text
