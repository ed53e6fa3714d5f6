from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent

STAFF = trail.Actor(name="staff:ana@example.org", role="staff", source_address="10.1.2.3")


def _write_three(engine: Engine) -> None:
    with session_scope(engine) as session:
        trail.record(session, STAFF, "read", "patient", "p1", patient_id="p1")
        trail.record(session, STAFF, "update", "appointment", "a1", patient_id="p1")
        trail.record(session, STAFF, "export", "patient", "p2", patient_id="p2", reason="CCPA")


def _problems(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(p.seq, p.problem) for p in trail.verify(session)]


def test_it_chains_each_record_to_the_one_before(any_engine: Engine) -> None:
    _write_three(any_engine)

    with Session(any_engine) as session:
        events = session.query(AuditEvent).order_by(AuditEvent.seq).all()

    assert events[0].prev_hash == trail.GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert _problems(any_engine) == []


def test_it_finds_a_record_changed_by_hand(any_engine: Engine) -> None:
    _write_three(any_engine)

    with any_engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="read"))

    assert _problems(any_engine) == [(2, "its content was changed after it was written")]


def test_it_finds_a_removed_record(any_engine: Engine) -> None:
    _write_three(any_engine)

    with any_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))

    assert _problems(any_engine) == [
        (3, "does not follow the record before it (removed or reordered)")
    ]


def test_it_finds_reordered_records(engine: Engine) -> None:
    _write_three(engine)

    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET seq = 99 WHERE seq = 1"))

    problems = _problems(engine)
    assert (2, "does not follow the record before it (removed or reordered)") in problems
    assert (99, "does not follow the record before it (removed or reordered)") in problems
