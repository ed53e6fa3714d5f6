"""Patients: search by name (accents folded), date of birth or phone; one patient's record."""

from __future__ import annotations

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk import clock
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent, Patient


def _patient(engine: Engine, world: World) -> Patient:
    with session_scope(engine) as session:
        patient = session.get(Patient, world.patient_id)
        assert patient is not None
        patient.phones  # noqa: B018 - loaded before the session closes
        return patient


def _found(response: object) -> list[str]:
    return [p.id for p in response.context["found"]]  # type: ignore[attr-defined]


def test_it_finds_a_patient_by_name_whatever_the_accents_and_case(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    patient = _patient(engine, world)
    typed = patient.surnames[0].upper().replace("Á", "A").replace("É", "E").replace("Í", "I")

    page = signed_in("staff").get(f"/admin/patients?name={patient.given_names} {typed}")

    assert world.patient_id in _found(page)


def test_it_finds_by_date_of_birth_and_by_phone_in_any_format(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    patient = _patient(engine, world)
    digits = patient.phones[0].e164[2:]
    staff = signed_in("staff")

    by_dob = staff.get(f"/admin/patients?dob={patient.dob.isoformat()}")
    by_phone = staff.get(f"/admin/patients?phone=({digits[:3]}) {digits[3:6]}-{digits[6:]}")

    assert world.patient_id in _found(by_dob)
    assert _found(by_phone) == [world.patient_id]


def test_a_phone_that_is_not_one_is_named(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/patients?phone=12")

    assert page.status_code == 422


def test_the_record_shows_appointments_referrals_and_conversations_and_is_audited(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    page = signed_in("coordinator").get(f"/admin/patients/{world.patient_id}")

    assert page.status_code == 200
    assert world.patient_name in page.text
    assert page.context["conversations"][0].id == world.chat_id
    assert page.context["consents"]
    with session_scope(engine) as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.patient_id == world.patient_id, AuditEvent.reason == "patient record"))
    assert event is not None and event.actor == "staff:coordinator@valle.example.org"


def test_the_record_gives_a_calendar_link_for_each_visit_still_to_come(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    staff = signed_in("staff")
    page = staff.get(f"/admin/patients/{world.patient_id}")

    links = page.context["calendar_links"]
    to_come = [a for a in page.context["appointments"]
               if a.status == "booked" and a.end_at > clock.now()]
    assert to_come and sorted(links) == sorted(a.id for a in to_come)
    for appointment in to_come:
        url = links[appointment.id]
        assert f'href="{url}"' in page.text
        calendar = staff.get(url.removeprefix("http://127.0.0.1:8000"))
        assert calendar.status_code == 200
        assert calendar.headers["content-type"].startswith("text/calendar")
