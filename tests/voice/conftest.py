"""Fixtures for phone tests: the demo practice with two known patients, signed calls.

The demo practice is loaded once per test session into a template SQLite file; each
test copies it, so every test has its own database at the cost of a file copy. The
clock is frozen on Monday 2026-05-11 (the desk is open 06:30-19:30 local).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy import Engine, select, update
from tests.voice.fake_twilio import FakeTwilio
from tests.voice.twiml_rules import twiml_problems

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.db.session import make_engine, session_factory, session_scope, use_engine
from referraldesk.logging import configure_logging
from referraldesk.models import Conversation, Practice
from referraldesk.settings import reset_settings_cache
from referraldesk.simulation.seed import fresh_engine
from referraldesk.voice import recording
from referraldesk.voice.simulated_call import SimulatedCall, open_app

TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_URL = "https://clinic.example.org"
OPEN = datetime.fromisoformat("2026-05-11T09:15:00-07:00")
CLOSED = datetime.fromisoformat("2026-05-11T21:30:00-07:00")
STAFF_LINE = "+15595550601"
MARIA_PHONE = "+15595550143"
DANIEL_PHONE = "+15595550117"
SEED_ACTOR = Actor(name="system:voice_tests", role="system")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("voice-template")
    engine = fresh_engine(folder)
    try:
        clock.set_now(OPEN, frozen=True)
        with session_scope(engine) as session:
            _seed(session)
    finally:
        clock.get_clock().reset()
        engine.dispose()
    return folder / "case.db"


def _seed(session: Any) -> None:
    from referraldesk.patients.service import register_patient
    from referraldesk.practice.loader import load_demo
    from referraldesk.referrals.service import create_referral

    load_demo(session, today=OPEN.date(), actor=SEED_ACTOR)
    people = [
        (
            "María Elena",
            ["López", "García"],
            "1985-04-03",
            MARIA_PHONE,
            "es",
            "dermatology",
            "rash on both forearms",
        ),
        (
            "Daniel",
            ["Ortega"],
            "1979-11-22",
            DANIEL_PHONE,
            "en",
            "orthopedics",
            "right knee pain after a fall",
        ),
    ]
    for given, surnames, dob, phone, language, specialty, reason in people:
        patient = register_patient(
            session,
            SEED_ACTOR,
            {
                "given_names": given,
                "surnames": surnames,
                "dob": dob,
                "phone": phone,
                "preferred_language": language,
                "plan": "Anthem Blue Cross Medi-Cal",
            },
        )
        create_referral(
            session,
            SEED_ACTOR,
            {
                "patient_id": patient.id,
                "specialty": specialty,
                "reason": reason,
                "urgency": "routine",
                "referring_provider": "Dra. Ana Ruiz",
                "referring_practice": "Valley Family Medicine",
            },
        )


@pytest.fixture
def engine(template_db: Path, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "voice.db"
    shutil.copyfile(template_db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture(autouse=True)
def _logs_to_this_tests_stderr() -> Iterator[None]:
    # Another test's CLI run may have left structlog writing to a closed CliRunner
    # stream; the refusals these tests provoke are logged, so point it here again.
    saved = structlog.get_config()
    configure_logging("INFO", json=True)
    yield
    structlog.configure(**saved)


@pytest.fixture(autouse=True)
def twilio_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REFERRALDESK_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("REFERRALDESK_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("REFERRALDESK_PUBLIC_URL", PUBLIC_URL)
    reset_settings_cache()
    yield
    monkeypatch.undo()
    reset_settings_cache()


@pytest.fixture(autouse=True)
def fake_twilio_rest() -> Iterator[FakeTwilio]:
    """Every REST request a webhook makes (starting a recording) goes here, never out."""
    fake = FakeTwilio(call_sid="RE" + "e" * 32)
    recording.use_http_client(fake)
    yield fake
    recording.use_http_client(None)


@pytest.fixture
def open_desk() -> datetime:
    clock.set_now(OPEN, frozen=True)
    return OPEN


@pytest.fixture
def closed_desk() -> datetime:
    clock.set_now(CLOSED, frozen=True)
    return CLOSED


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    return open_app(engine)


class CheckedCall(SimulatedCall):
    """A simulated call that checks every TwiML answer against the allow-list; the last
    answer is kept in `twiml`."""

    twiml: str = ""

    def post(self, url: str, fields: dict[str, str]) -> Any:
        response = super().post(url, fields)
        self.twiml = response.text
        if response.text:
            problems = twiml_problems(response.text)
            assert not problems, f"{url}: {problems}\n{response.text}"
        return response


@pytest.fixture
def phone(app: FastAPI) -> Callable[..., CheckedCall]:
    def dial_in(**options: Any) -> CheckedCall:
        return CheckedCall(app, **options)

    return dial_in


def set_practice(engine: Engine, **values: Any) -> None:
    """Change the practice row (coverage mode, policy ...) in the test's database."""
    with session_scope(engine) as session:
        session.execute(update(Practice).values(**values))


def set_policy(engine: Engine, **values: Any) -> None:
    with session_scope(engine) as session:
        practice = session.scalars(select(Practice)).one()
        practice.policy = {**(practice.policy or {}), **values}


def the_conversation(engine: Engine, call_sid: str) -> Conversation:
    with session_factory(engine)() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.external_id == call_sid)
        ).one()
        _ = conversation.turns, conversation.tool_calls
        return conversation
