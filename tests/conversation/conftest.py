"""Fixtures for runtime tests: a tiny practice, María on file, a scripted brain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.conversation.factories import NOW, ScriptedBrain, make_patient, make_practice, scripted

from referraldesk import clock
from referraldesk.db.session import session_factory
from referraldesk.models import Patient


@pytest.fixture
def practice(engine: Engine) -> None:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(engine)() as session:
        make_practice(session)
        session.commit()


@pytest.fixture
def maria(engine: Engine, practice: None) -> Patient:
    with session_factory(engine)() as session:
        patient = make_patient(session)
        session.commit()
        return patient


@pytest.fixture
def brain() -> Iterator[ScriptedBrain]:
    with scripted(ScriptedBrain()) as fake:
        yield fake


@pytest.fixture
def new_session(engine: Engine) -> Iterator[type[Session]]:
    """Open a new session per turn, as separate web requests (or instances) would."""
    opened: list[Session] = []

    def make() -> Session:
        session = session_factory(engine)()
        opened.append(session)
        return session

    yield make  # type: ignore[misc]
    for session in opened:
        session.close()
