"""The nightly retention job: it purges what is past the configured days, batch by batch
with an audit record each, stops for the night after its batches, and is enqueued once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from referraldesk.conversation import runtime
from referraldesk.db.session import session_factory
from referraldesk.jobs import huey, retention_tasks
from referraldesk.jobs.periodic import due_and_claimed
from referraldesk.jobs.retention_tasks import retention_purge
from referraldesk.models import AuditEvent, ConversationAnalysis, Turn

LONG_AGO = "2026-01-05T17:00:00+00:00"
# 31 days after LONG_AGO: past a 30-day retention.
TONIGHT = "2026-02-05T11:00:00+00:00"


def ended_chat(engine: Engine) -> str:
    with session_factory(engine)() as session:
        conversation, _ = runtime.start_conversation(session, "chat")
        runtime.handle_message(session, conversation.id, "hola, una pregunta")
        runtime.end_conversation(session, conversation.id)
        session.commit()
    return conversation.id


def contents(engine: Engine, conversation_ids: list[str]) -> list[tuple[int, int]]:
    """(turns, analyses) held by each conversation, in order."""
    with session_factory(engine)() as session:
        return [(
            session.scalar(select(func.count(Turn.id)).where(
                Turn.conversation_id == conversation_id)) or 0,
            session.scalar(select(func.count(ConversationAnalysis.id)).where(
                ConversationAnalysis.conversation_id == conversation_id)) or 0,
        ) for conversation_id in conversation_ids]


def purge_audits(engine: Engine) -> list[tuple[str, str, str | None]]:
    with session_factory(engine)() as session:
        return [(event.actor, event.resource_type, event.reason) for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "purge").order_by(AuditEvent.seq))]


def test_it_purges_old_transcripts_batch_by_batch_and_audits_each(
    clinic: Engine, frozen_now: Callable[[str], datetime], settings_env: Callable[..., None],
) -> None:
    settings_env(retention_transcript_days=30, retention_recording_days=30,
                 retention_batch_size=1)
    frozen_now(LONG_AGO)
    old = [ended_chat(clinic), ended_chat(clinic)]
    frozen_now("2026-01-25T17:00:00+00:00")
    recent = ended_chat(clinic)
    assert contents(clinic, [*old, recent]) == [(3, 1)] * 3
    frozen_now(TONIGHT)

    retention_purge.call_local()

    assert contents(clinic, [*old, recent]) == [(0, 0), (0, 0), (3, 1)]
    batch = ("system:retention", "conversation_transcript",
             "retention: transcripts of 1 conversations ended before the cutoff (30 days)")
    assert purge_audits(clinic) == [batch, batch]


def test_a_night_stops_after_its_batches_and_the_next_night_goes_on(
    clinic: Engine, frozen_now: Callable[[str], datetime], settings_env: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_env(retention_transcript_days=30, retention_batch_size=1)
    monkeypatch.setattr(retention_tasks, "MAX_BATCHES_PER_RUN", 1)
    frozen_now(LONG_AGO)
    old = [ended_chat(clinic), ended_chat(clinic)]
    tonight = frozen_now(TONIGHT)

    retention_purge.call_local()
    after_one_night = contents(clinic, old)
    frozen_now((tonight + timedelta(days=1)).isoformat())
    retention_purge.call_local()

    assert sorted(after_one_night) == [(0, 0), (3, 1)]
    assert contents(clinic, old) == [(0, 0), (0, 0)]


def test_zero_days_keeps_every_transcript(
    clinic: Engine, frozen_now: Callable[[str], datetime], settings_env: Callable[..., None],
) -> None:
    settings_env(retention_transcript_days=0, retention_recording_days=0)
    frozen_now(LONG_AGO)
    kept = ended_chat(clinic)
    frozen_now("2040-01-01T11:00:00+00:00")

    retention_purge.call_local()

    assert contents(clinic, [kept]) == [(3, 1)]
    assert purge_audits(clinic) == []


def test_it_is_enqueued_once_a_night_at_11_utc_by_one_worker_of_many(
    frozen_now: Callable[[str], datetime],
) -> None:
    def claimed(instant: str) -> bool:
        due = due_and_claimed(huey, frozen_now(instant))
        return any(isinstance(task, retention_purge.task_class) for task in due)

    first_worker = claimed("2026-02-05T11:00:00+00:00")
    second_worker = claimed("2026-02-05T11:00:40+00:00")
    an_hour_later = claimed("2026-02-05T12:00:00+00:00")
    next_night = claimed("2026-02-06T11:00:00+00:00")

    assert (first_worker, second_worker, an_hour_later, next_night) == (
        True, False, False, True)
