"""A list view records one event per patient it showed, chained and written at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent

STAFF = trail.Actor(name="staff:ana@example.org", role="staff", source_address="10.1.2.3")
AT = "2026-03-02T17:30:00+00:00"


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def _trail(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _problems(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(problem.seq, problem.problem) for problem in trail.verify(session)]


def test_each_patient_shown_gets_its_own_record_in_the_order_shown(
    any_engine: Engine, frozen_now: Callable[[str], datetime]
) -> None:
    frozen_now(AT)
    with session_scope(any_engine) as session:
        trail.record(session, STAFF, "read", "patient", "p0", patient_id="p0")
        trail.record_shown(session, STAFF, "patient", ["p2", None, "p1", "p2", "p3"],
                           reason="patient search (5 found)")

    events = _trail(any_engine)

    assert [(e.seq, e.patient_id) for e in events] == [(1, "p0"), (2, "p2"), (3, "p1"), (4, "p3")]
    assert {(e.actor, e.role, e.action, e.resource_type, e.resource_id, e.source_address,
             e.reason) for e in events[1:]} == {
        ("staff:ana@example.org", "staff", "read", "patient", None, "10.1.2.3",
         "patient search (5 found)")}
    assert {e.at.isoformat()[:19] for e in events} == {"2026-03-02T17:30:00"}
    assert [e.prev_hash for e in events] == [trail.GENESIS_HASH] + [e.hash for e in events[:-1]]
    assert _problems(any_engine) == []


@pytest.mark.postgres
def test_fifty_patients_are_written_in_one_insert_under_one_lock(pg_engine: Engine) -> None:
    shown = [f"p{n:02d}" for n in range(50)]

    with _statements(pg_engine) as statements, session_scope(pg_engine) as session:
        trail.record(session, STAFF, "read", "patient", None, reason="first, takes the lock")
        trail.record_shown(session, STAFF, "patient", shown, reason="patient search (50 found)")

    inserts = [s for s in statements if s.startswith("INSERT INTO audit_events")]
    locks = [s for s in statements if "pg_advisory_xact_lock" in s]
    assert (len(inserts), len(locks)) == (2, 1)
    assert [e.patient_id for e in _trail(pg_engine)] == [None, *shown]
    assert _problems(pg_engine) == []


@pytest.mark.postgres
def test_the_chain_lock_is_taken_even_as_a_sessions_first_statement(pg_engine: Engine) -> None:
    with _statements(pg_engine) as statements, session_scope(pg_engine) as session:
        trail.record_shown(session, STAFF, "patient", ["p1"], reason="patient search (1 found)")

    assert "pg_advisory_xact_lock" in statements[0]


def test_a_view_that_showed_nobody_still_records_the_look(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        trail.record_shown(session, STAFF, "conversation", [None, None],
                           reason="conversation list (0 shown)")

    events = _trail(any_engine)

    assert [(e.patient_id, e.resource_type, e.reason) for e in events] == [
        (None, "conversation", "conversation list (0 shown)")]
    assert _problems(any_engine) == []


def test_an_edited_record_in_a_bulk_write_is_found(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        trail.record_shown(session, STAFF, "patient", ["p1", "p2", "p3"], reason="board")
    if any_engine.dialect.name == "postgresql":
        return  # the append-only trigger refuses the edit itself (test_append_only_postgres)
    with Session(any_engine) as session:
        second = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        second.patient_id = "p9"
        session.commit()

    assert _problems(any_engine) == [(2, trail.CHANGED)]
