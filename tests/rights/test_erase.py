"""Erasure leaves none of the patient's values anywhere in the database, raw or decrypted,
keeps the other patient whole and the audit chain verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from tests.rights.world import NEEDLES, SAID, History

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.conversation import runtime
from referraldesk.db.base import Base
from referraldesk.db.session import session_factory
from referraldesk.errors import Conflict, Forbidden, InvalidArgument
from referraldesk.models import AuditEvent, Patient, Turn
from referraldesk.rights import requests
from referraldesk.rights.erase import erase_patient

ADMIN = Actor(name="staff:admin@clinic.example.org", role="admin")
STAFF = Actor(name="staff:desk@clinic.example.org", role="staff")


def raw_hits(session: Session, needles: tuple[str, ...]) -> list[str]:
    """Every table, every column, as stored: (table.column) where a needle appears."""
    hits = []
    for table in Base.metadata.sorted_tables:
        for record in session.execute(text(f'SELECT * FROM "{table.name}"')).mappings():
            for column, value in record.items():
                shown = str(value).lower()
                hits += [f"{table.name}.{column}: {needle}" for needle in needles
                         if value is not None and needle.lower() in shown]
    return hits


def orm_hits(session: Session, needles: tuple[str, ...]) -> list[str]:
    """Every mapped row, every column as the ORM decrypts it."""
    hits = []
    for mapper in Base.registry.mappers:
        for instance in session.scalars(select(mapper.class_)):
            for attr in mapper.column_attrs:
                shown = str(getattr(instance, attr.key)).lower()
                hits += [f"{mapper.class_.__name__}.{attr.key}: {needle}" for needle in needles
                         if needle.lower() in shown]
    return hits


def test_the_history_holds_the_patients_values_before_erasure(
    world: tuple[Engine, History],
) -> None:
    engine, _ = world

    with session_factory(engine)() as session:
        found = orm_hits(session, NEEDLES)

    # The check below is only worth something if it would have found them.
    assert any(hit.startswith("Turn.text") for hit in found)
    assert any(hit.startswith("OutboundMessage.payload") for hit in found)
    assert any(hit.startswith("Coverage.member_id") for hit in found)
    for kept_from_a_fax in ("body", "document", "extracted", "reply"):
        assert any(hit.startswith(f"IntakeMessage.{kept_from_a_fax}") for hit in found)


def test_it_leaves_none_of_the_patients_values_in_any_table(
    world: tuple[Engine, History],
) -> None:
    engine, history = world
    with session_factory(engine)() as session:
        requests.log_request(session, STAFF, history.patient_id, "deletion")
        session.commit()

    with session_factory(engine)() as session:
        report = erase_patient(session, ADMIN, history.patient_id,
                               reason="deletion request received by mail",
                               confirm=history.patient_id)
        session.commit()

    with session_factory(engine)() as session:
        assert raw_hits(session, NEEDLES) == []
        assert orm_hits(session, NEEDLES) == []
        assert report.counts["conversations"] >= 1 and report.counts["turns"] >= 5
        stub = session.get(Patient, history.patient_id)
        assert stub is not None and stub.status == "erased" and stub.phones == []
        other = session.get(Patient, history.other_id)
        assert other is not None and other.full_name == "Rosa Delgado Cruz"
        assert [phone.e164 for phone in other.phones] == ["+15595550199"]
        assert other.coverages[0].member_id == "XGM000111222"
        assert list(trail.verify(session)) == []
        erased = session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
        assert erased.patient_id == history.patient_id
        [request] = requests.list_requests(session, ADMIN, patient_id=history.patient_id)
        assert request.status == "completed" and request.handled_by == ADMIN.name


def test_other_conversations_keep_their_transcripts(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world
    with session_factory(engine)() as session:
        conversation, _ = runtime.start_conversation(session, "chat")
        runtime.handle_message(session, conversation.id, "hola, una pregunta")
        session.commit()

    with session_factory(engine)() as session:
        erase_patient(session, ADMIN, history.patient_id, reason="deletion request",
                      confirm=history.patient_id)
        session.commit()

    with session_factory(engine)() as session:
        texts = list(session.scalars(select(Turn.text)))
    assert "hola, una pregunta" in texts
    assert all(turn_text not in texts for turn_text in SAID)


@pytest.mark.parametrize(("actor", "confirm", "reason", "error"), [
    (STAFF, None, "deletion request", Forbidden),
    (ADMIN, "not-the-id", "deletion request", Conflict),
    (ADMIN, None, "", InvalidArgument),
    (ADMIN, None, "she is María Elena López", InvalidArgument),
])
def test_it_refuses_without_admin_confirmation_or_a_clean_reason(
    sqlite_world: tuple[Engine, History], actor: Actor, confirm: str | None, reason: str,
    error: type[Exception],
) -> None:
    engine, history = sqlite_world

    with session_factory(engine)() as session, pytest.raises(error):
        erase_patient(session, actor, history.patient_id, reason=reason,
                      confirm=confirm or history.patient_id)


def test_a_second_erasure_is_refused(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world
    with session_factory(engine)() as session:
        erase_patient(session, ADMIN, history.patient_id, reason="deletion request",
                      confirm=history.patient_id)
        session.commit()

    with session_factory(engine)() as session, pytest.raises(Conflict):
        erase_patient(session, ADMIN, history.patient_id, reason="deletion request",
                      confirm=history.patient_id)

