"""End to end: the booking caller cases with the practice's calendar in another
referraldesk process (the EHR), reached over FHIR; and the agent when it is down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from tests.cases.conftest import case_files, cases_dir
from tests.scheduling_fhir.ehr_process import EhrProcess, ehr_process, play_booking_into

from referraldesk.models import Appointment, Location, Provider
from referraldesk.scheduling.backends.fhir_calendar import FhirCalendar
from referraldesk.scheduling.fhir.booking_refs import BookingRef
from referraldesk.scheduling.fhir.resources import BOOKING_REF_SYSTEM
from referraldesk.scheduling.slots import parse_slot_id
from referraldesk.simulation import load_case
from referraldesk.simulation.player import CaseResult

TOKEN_ENV = "RD_TEST_EHR_TOKEN"
ZONE = ZoneInfo("America/Los_Angeles")


def _booking_cases() -> list[str]:
    """Every shared caller case that ends in a booking (two by name when none are here,
    so the tests say which case they skip)."""
    found = [path.stem for path in case_files() if _expected_outcome(path) == "booked"]
    return found or ["en-ortho-evening", "es-derm-early-morning"]


def _expected_outcome(path: Path) -> str | None:
    case = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return (case.get("expect") or {}).get("outcome")


BOOKING_CASES = _booking_cases()


def _case(name: str) -> Any:
    path = cases_dir() / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"no caller case {path}")
    return load_case(path)


def _transcript(result: CaseResult) -> str:
    return "\n".join(f"{line.speaker}: {line.text}" for line in result.transcript)


def _agent_bookings(ehr: EhrProcess) -> list[Appointment]:
    """What the EHR holds that the agent booked: its rows carry our booking reference."""
    with Session(ehr.engine) as session:
        return list(
            session.scalars(
                select(Appointment)
                .where(Appointment.external_id.is_not(None))
                .options(selectinload(Appointment.patient))
            )
        )


def _double_bookings(ehr: EhrProcess) -> int:
    with Session(ehr.engine) as session:
        clashes = (
            select(Appointment.provider_id, Appointment.start_at)
            .where(Appointment.status == "booked")
            .group_by(Appointment.provider_id, Appointment.start_at)
            .having(func.count() > 1)
        )
        return len(session.execute(clashes).all())


@pytest.fixture(scope="module")
def ehr_for(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Any], EhrProcess]]:
    """One EHR process per case day, shared by the tests of this module (each start
    costs seconds); tests count what they add rather than assume an empty calendar."""
    started: dict[date, EhrProcess] = {}
    with ExitStack() as stack:

        def start(case: Any) -> EhrProcess:
            day = case.now.astimezone(ZONE).date()
            if day not in started:
                folder = tmp_path_factory.mktemp(f"ehr-{day}")
                started[day] = stack.enter_context(ehr_process(folder, case.now, day))
            return started[day]

        yield start


@pytest.mark.parametrize("name", BOOKING_CASES)
def test_the_booking_case_passes_with_the_calendar_in_another_referraldesk(
    name: str, ehr_for: Callable[[Any], EhrProcess]
) -> None:
    case = _case(name)
    ehr = ehr_for(case)
    before = {a.id for a in _agent_bookings(ehr)}

    result = play_booking_into(case, ehr, TOKEN_ENV)

    assert result.passed, f"{result.line()}\n{_transcript(result)}"
    added = [a for a in _agent_bookings(ehr) if a.id not in before]
    # A caller new to the practice is registered by name at the EHR as they gave it.
    given = case.patient.given if case.patient else case.says["name"].split()[0]
    assert [(a.status, a.patient.given_names) for a in added] == [("booked", given)]
    assert _double_bookings(ehr) == 0


def test_a_slot_taken_at_the_ehr_a_second_before_gets_the_caller_the_next_one(
    ehr_for: Callable[[Any], EhrProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case("en-ortho-evening")
    ehr = ehr_for(case)
    before = {a.id for a in _agent_bookings(ehr)}
    taken: list[Any] = []
    book = FhirCalendar.book

    def front_desk_first(self: FhirCalendar, session: Session, actor: Any, request: Any) -> Any:
        if not taken:
            taken.append(_book_at_front_desk(self, session, ehr, request.slot_id))
        return book(self, session, actor, request)

    monkeypatch.setattr(FhirCalendar, "book", front_desk_first)
    result = play_booking_into(case, ehr, TOKEN_ENV)

    assert result.passed, f"{result.line()}\n{_transcript(result)}"
    assert any("just taken" in line.text for line in result.transcript if line.speaker == "agent")
    added = [a for a in _agent_bookings(ehr) if a.id not in before]
    front_desk_key = BookingRef(BOOKING_REF_SYSTEM, "front-desk").key
    front_desk = [a.start_at for a in added if a.external_id == front_desk_key]
    ours = [a.start_at for a in added if a.external_id != front_desk_key]
    assert front_desk == taken
    assert len(ours) == 1 and ours[0] != taken[0]
    assert _double_bookings(ehr) == 0


def test_when_the_calendar_does_not_answer_the_caller_is_offered_a_callback() -> None:
    case = _case("en-ortho-evening")
    dead = EhrProcess("http://127.0.0.1:9/fhir", "unused", engine=None)  # type: ignore[arg-type]

    result = play_booking_into(case, dead, TOKEN_ENV)

    said = _transcript(result)
    assert result.outcome == "transferred", said
    assert "scheduling system isn't answering" in said
    assert "call or text you back" in said


def _book_at_front_desk(
    calendar: FhirCalendar, session: Session, ehr: EhrProcess, slot_id: str
) -> Any:
    """Someone at the EHR books the slot the caller is about to confirm."""
    ref = parse_slot_id(slot_id)
    provider = session.get(Provider, ref.provider_id)
    location = session.get(Location, ref.location_id)
    remote = calendar._remote_slot_at(provider, location, ref.start)
    walk_in = {
        "resourceType": "Appointment",
        "status": "booked",
        "identifier": [{"system": BOOKING_REF_SYSTEM, "value": "front-desk"}],
        "slot": [{"reference": remote.reference}],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p",
                "birthDate": "1990-02-02",
                "name": [{"family": "Mendez", "given": ["Rosa"]}],
                "telecom": [{"system": "phone", "value": "+15595550199"}],
            }
        ],
        "participant": [{"actor": {"reference": "#p"}, "status": "accepted"}],
    }
    answer = httpx.post(
        f"{ehr.base_url}/Appointment/$book",
        json=walk_in,
        headers={"Authorization": f"Bearer {ehr.token}"},
    )
    assert answer.status_code == 201, answer.text
    return ref.start
