"""On a PostgreSQL database built by the migrations, audit_events refuses UPDATE, DELETE
and TRUNCATE, while erasure and the retention purge, which leave audit records whole,
still work."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from tests.rights.world import build_history, load_practice

from referraldesk import clock
from referraldesk.audit import trail
from referraldesk.db import migrate
from referraldesk.db.session import make_engine, session_factory, use_engine
from referraldesk.models import AuditEvent, Patient
from referraldesk.rights.erase import erase_patient
from referraldesk.rights.retention import RetentionPolicy, purge_expired

pytestmark = pytest.mark.postgres

PG_ADMIN_URL = os.environ.get(
    "REFERRALDESK_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ADMIN = trail.Actor(name="staff:admin@clinic.example.org", role="admin")
REFUSALS = {
    "UPDATE": "UPDATE audit_events SET actor = 'staff:x' WHERE seq = 1",
    "DELETE": "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)",
    "TRUNCATE": "TRUNCATE audit_events",
}


@pytest.fixture
def migrated_url() -> Iterator[str]:
    name = f"rd_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def migrated(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


def _one_record(engine: Engine) -> None:
    with session_factory(engine)() as session:
        trail.record(session, ADMIN, "read", "patient", "p1", patient_id="p1")
        session.commit()


@pytest.mark.parametrize("statement", REFUSALS)
def test_it_refuses_to_change_or_remove_audit_records(migrated: Engine, statement: str) -> None:
    _one_record(migrated)

    with pytest.raises(DBAPIError) as refused, migrated.begin() as connection:
        connection.execute(text(REFUSALS[statement]))

    assert refused.value.orig is not None
    assert getattr(refused.value.orig, "sqlstate", None) == "42501"
    assert f"audit_events is append-only: {statement} refused" in str(refused.value.orig)
    with Session(migrated) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
        assert list(trail.verify(session)) == []


def test_erasure_and_the_retention_purge_still_work(migrated: Engine) -> None:
    with session_factory(migrated)() as session:
        load_practice(session)
        history = build_history(session)

    clock.set_now(clock.now() + timedelta(days=40), frozen=True)
    with session_factory(migrated)() as session:
        purged = purge_expired(session, trail.SYSTEM, RetentionPolicy(30, 30))
        session.commit()
    with session_factory(migrated)() as session:
        erase_patient(session, ADMIN, history.patient_id, reason="deletion request by mail",
                      confirm=history.patient_id)
        session.commit()

    with Session(migrated) as session:
        actions = list(session.scalars(select(AuditEvent.action)))
        erased = session.get(Patient, history.patient_id)
        assert list(trail.verify(session)) == []
    assert purged.transcripts == [history.conversation_id]
    assert actions.count("purge") == 1 and actions.count("erase") == 1
    assert erased is not None and erased.status == "erased"


def test_downgrading_lifts_the_refusal(migrated: Engine, migrated_url: str) -> None:
    _one_record(migrated)

    command.downgrade(migrate.alembic_config(migrated_url), "0001")
    with migrated.begin() as connection:
        removed = connection.execute(text("DELETE FROM audit_events")).rowcount

    assert removed == 1
