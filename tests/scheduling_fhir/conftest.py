"""Two practices' databases from one demo template: the EHR that serves FHIR, and the
practice whose agent books into it. Both hold the same demo practice built around the
same day, so their calendars agree until a test makes them differ."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.audit.trail import Actor
from referraldesk.auth.tokens import create_token
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory, session_scope
from referraldesk.models import Practice
from referraldesk.patients.service import register_patient
from referraldesk.practice.loader import load_demo
from referraldesk.scheduling.backends import forget_calendars

NOW = "2026-04-14T10:05:00-07:00"
TODAY = date(2026, 4, 14)
TOKEN_ENV = "RD_TEST_EHR_TOKEN"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo practice loaded once (it takes seconds); each test copies the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_scope(engine) as session:
        load_demo(session, today=TODAY)
    engine.dispose()
    clock.get_clock().reset()
    return path


def copy_of(template: Path, target: Path) -> Engine:
    shutil.copyfile(template, target)
    return make_engine(f"sqlite:///{target}")


@dataclass
class Ehr:
    engine: Engine
    token: str

    def session(self) -> Session:
        return session_factory(self.engine)()


@pytest.fixture
def ehr(demo_template: Path, tmp_path: Path) -> Iterator[Ehr]:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    engine = copy_of(demo_template, tmp_path / "ehr.db")
    with session_scope(engine) as session:
        _, secret = create_token(session, name="practice-desk", role="integration")
    yield Ehr(engine, secret)
    engine.dispose()


@pytest.fixture
def ehr_client(ehr: Ehr) -> TestClient:
    return TestClient(
        create_app(engine=ehr.engine), headers={"Authorization": f"Bearer {ehr.token}"}
    )


@pytest.fixture
def ehr_url(ehr: Ehr) -> Iterator[str]:
    """The EHR's app on a real port in this process: the client speaks real HTTP to it.

    The socket listens before the server thread starts, so the first request waits in
    the backlog instead of racing the start-up.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine=ehr.engine), log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/fhir"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def practice_engine(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """The booking practice's database (the global engine for the tools)."""
    from referraldesk.db.session import use_engine

    clock.set_now(clock.parse_instant(NOW), frozen=True)
    engine = copy_of(demo_template, tmp_path / "practice.db")
    use_engine(engine)
    yield engine
    use_engine(None)
    forget_calendars()
    engine.dispose()


@pytest.fixture
def use_fhir(
    practice_engine: Engine, ehr: Ehr, ehr_url: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., None]:
    """Point the practice's config at the EHR (bearer token from the environment)."""
    monkeypatch.setenv(TOKEN_ENV, ehr.token)

    def configure(base_url: str = ehr_url, **extra: Any) -> None:
        set_scheduling(
            practice_engine,
            {
                "backend": "fhir",
                "base_url": base_url,
                "auth": {"type": "bearer", "token_env": TOKEN_ENV},
                # The EHR is a thread of this busy test process; a loaded CI machine can
                # hold a first search past the 5-second default. Tests of a silent EHR
                # pass their own.
                "timeout_seconds": 30,
                **extra,
            },
        )

    configure()
    return configure


def set_scheduling(engine: Engine, scheduling: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        practice = session.scalars(select(Practice)).one()
        practice.policy = {**(practice.policy or {}), "scheduling": scheduling}
    forget_calendars()


STAFF = Actor(name="staff:front-desk", role="staff")


@pytest.fixture
def daniel(practice: Session) -> str:
    """A registered Medi-Cal patient; each module brings its own `practice` session."""
    patient = register_patient(
        practice,
        STAFF,
        {
            "given_names": "Daniel",
            "surnames": ["Ortega"],
            "dob": "1979-11-22",
            "phone": "+15595550117",
            "plan": "Health Net Medi-Cal",
        },
    )
    practice.commit()
    return patient.id
