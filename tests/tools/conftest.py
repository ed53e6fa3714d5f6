"""Fixtures for tool tests: a small practice, María (verified or not), contexts per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.tools.factories import (
    NOW,
    Call,
    PracticeData,
    engine_from_template,
    make_conversation,
    make_patient,
    make_practice,
    schema_template,
)

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.models import Conversation, Patient
from referraldesk.tools import ToolContext, ToolOutcome, catalog


@pytest.fixture(scope="session")
def _schema_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return schema_template(tmp_path_factory.mktemp("schema"))


@pytest.fixture
def engine(tmp_path: Path, _schema_template: Path) -> Iterator[Engine]:
    """A fresh database per test, copied from a schema built once (create_all is the slow part)."""
    engine = engine_from_template(_schema_template, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def now() -> Iterator[None]:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    yield


@pytest.fixture
def practice(session: Session, now: None) -> PracticeData:
    return make_practice(session)


@pytest.fixture
def maria(session: Session, practice: PracticeData) -> Patient:
    return make_patient(session, practice.medi_cal)


@pytest.fixture
def conversation(session: Session, practice: PracticeData) -> Conversation:
    return make_conversation(session, caller_phone="+15595550143")


@pytest.fixture
def agent(conversation: Conversation) -> ToolContext:
    """The agent of a chat conversation, not yet verified."""
    return ToolContext.for_agent(conversation.id, "chat", "es", caller_phone="+15595550143")


@pytest.fixture
def verified(agent: ToolContext, maria: Patient) -> ToolContext:
    agent.verified_patient_id = maria.id
    return agent


@pytest.fixture
def staff() -> ToolContext:
    return ToolContext(None, "api", "en", Actor(name="staff:desk", role="staff"))


@pytest.fixture
def call(session: Session) -> Call:
    def run(ctx: ToolContext, name: str, key: str | None = None, **arguments: Any) -> ToolOutcome:
        return catalog.call(session, ctx, name, arguments, idempotency_key=key)

    return run
