"""The catalog's writes on both databases: savepoints, idempotency records, tool call rows."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from tests.tools.factories import NOW, make_conversation, make_patient, make_practice

from referraldesk import clock
from referraldesk.db.session import session_factory
from referraldesk.models import Appointment, IdempotencyRecord, ToolCall
from referraldesk.tools import ToolContext, catalog


def test_a_retried_booking_runs_once_on_both_databases(any_engine: Engine) -> None:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(any_engine)() as session:
        practice = make_practice(session)
        maria = make_patient(session, practice.medi_cal)
        conversation = make_conversation(session)
        ctx = ToolContext.for_agent(conversation.id, "voice", "es", verified_patient_id=maria.id)
        slot = f"{practice.therapist.id}:{practice.site.id}:20260312T1500Z"
        session.commit()

        first = catalog.call(
            session, ctx, "schedule_appointment", {"slot_id": slot}, idempotency_key="call-7"
        )
        session.commit()
        taken = catalog.call(session, ctx, "schedule_appointment", {"slot_id": slot})
        retry = catalog.call(
            session, ctx, "schedule_appointment", {"slot_id": slot}, idempotency_key="call-7"
        )
        session.commit()

        assert first.ok and retry.replayed and retry.data == first.data
        assert taken.error.code == "slot_taken"
        assert session.scalar(select(func.count()).select_from(Appointment)) == 1
        # One record, its key scoped to the caller (hashed with the actor's name).
        assert session.scalar(select(IdempotencyRecord.key)).startswith("schedule_appointment:")
        assert session.scalar(select(func.count()).select_from(ToolCall)) == 3
