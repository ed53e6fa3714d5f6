"""The hourly job ends the conversations nobody ended (a closed chat tab, an unanswered
text thread, a call whose status callback never came), has each analysed, and so hands
them to the retention purge; a conversation still in use is left open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from referraldesk.conversation import runtime, store
from referraldesk.db.session import session_factory
from referraldesk.jobs import huey
from referraldesk.jobs.idle_tasks import end_idle_batches, end_idle_conversations, idle_after
from referraldesk.jobs.periodic import due_and_claimed
from referraldesk.jobs.retention_tasks import retention_purge
from referraldesk.models import Conversation, ConversationAnalysis, Turn

# Monday 9 March 2026, 10:00 in Visalia.
STARTED = "2026-03-09T17:00:00+00:00"
# A day and an hour later: past the 24 hours a text thread stays open.
NEXT_DAY = "2026-03-10T18:00:00+00:00"


def chat_left_mid_question(session: Session) -> str:
    """A chat where the caller asked to book, was asked her name, and closed the tab."""
    conversation, _ = runtime.start_conversation(session, "chat")
    turn = runtime.handle_message(session, conversation.id, "quiero hacer una cita")
    assert turn.awaiting == "name"
    session.commit()
    return conversation.id


def conversation(engine: Engine, conversation_id: str) -> Conversation:
    with session_factory(engine)() as session:
        found = session.get(Conversation, conversation_id)
        assert found is not None
        return found


def analyses_of(engine: Engine, conversation_id: str) -> list[ConversationAnalysis]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(ConversationAnalysis).where(
            ConversationAnalysis.conversation_id == conversation_id)))


def test_an_idle_chat_is_ended_abandoned_and_analysed_and_an_active_one_left_alone(
    clinic: Engine, frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now(STARTED)
    with session_factory(clinic)() as session:
        idle_id = chat_left_mid_question(session)
    # 23 hours on, another chat is still going (its last message an hour before the job).
    frozen_now("2026-03-10T16:00:00+00:00")
    with session_factory(clinic)() as session:
        active_id = chat_left_mid_question(session)
    ended_at = frozen_now(NEXT_DAY)

    end_idle_conversations.call_local()

    idle, active = conversation(clinic, idle_id), conversation(clinic, active_id)
    assert (idle.status, idle.outcome, idle.outcome_reason, idle.ended_at) == (
        "ended", "abandoned", "idle", ended_at)
    [analysis] = analyses_of(clinic, idle_id)
    assert analysis.is_current and analysis.analyzed_at == ended_at
    assert (active.status, active.outcome, active.ended_at) == ("active", None, None)
    assert analyses_of(clinic, active_id) == []


def test_text_threads_and_calls_nobody_ended_are_ended_too(
    clinic: Engine, frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now(STARTED)
    with session_factory(clinic)() as session:
        thread, _ = runtime.continue_text_thread(session, "sms", "+15595550143")
        call, _ = runtime.start_conversation(session, "voice", caller_phone="+15595550199")
        session.commit()
        ids = {thread.id: "sms", call.id: "voice"}
    frozen_now(NEXT_DAY)

    end_idle_conversations.call_local()

    with session_factory(clinic)() as session:
        ended = {c.id: (c.channel, c.status, c.outcome) for c in session.scalars(
            select(Conversation).where(Conversation.id.in_(ids)))}
        analysed = set(session.scalars(select(ConversationAnalysis.conversation_id)))
    assert ended == {conversation_id: (channel, "ended", "abandoned")
                     for conversation_id, channel in ids.items()}
    assert analysed == set(ids)


def test_a_conversation_that_hears_from_the_caller_meanwhile_stays_open(
    clinic: Engine, frozen_now: Callable[[str], datetime], monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen_now(STARTED)
    with session_factory(clinic)() as session:
        conversation_id = chat_left_mid_question(session)
    frozen_now(NEXT_DAY)
    with session_factory(clinic)() as session:
        stale = store.active_conversations_idle_since(session, datetime.fromisoformat(NEXT_DAY))
    # The caller answers between the job's look-up and its lock on the row.
    with session_factory(clinic)() as session:
        runtime.handle_message(session, conversation_id, "María Elena López")
        session.commit()
    monkeypatch.setattr(store, "active_conversations_idle_since", lambda *_: stale)

    ended = end_idle_batches(idle_after())

    assert ended == []
    assert conversation(clinic, conversation_id).status == "active"


def test_a_long_backlog_is_ended_in_batches_over_several_runs(
    clinic: Engine, frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now(STARTED)
    with session_factory(clinic)() as session:
        backlog = {chat_left_mid_question(session) for _ in range(3)}
    frozen_now(NEXT_DAY)

    first = end_idle_batches(idle_after(), batch=1, max_batches=2)
    second = end_idle_batches(idle_after(), batch=1, max_batches=2)

    assert len(first) == 2 and len(second) == 1
    assert set(first) | set(second) == backlog


def test_an_idle_chat_ended_by_the_job_is_later_purged_by_retention(
    clinic: Engine, frozen_now: Callable[[str], datetime],
    settings_env: Callable[..., None],
) -> None:
    settings_env(retention_transcript_days=30, retention_recording_days=30)
    frozen_now(STARTED)
    with session_factory(clinic)() as session:
        conversation_id = chat_left_mid_question(session)
    ended_at = frozen_now(NEXT_DAY)
    end_idle_conversations.call_local()

    frozen_now((ended_at + timedelta(days=31)).isoformat())
    retention_purge.call_local()

    with session_factory(clinic)() as session:
        turns = session.scalar(select(func.count(Turn.id)).where(
            Turn.conversation_id == conversation_id))
    purged = conversation(clinic, conversation_id)
    assert turns == 0 and analyses_of(clinic, conversation_id) == []
    assert (purged.status, purged.outcome, purged.state) == ("ended", "abandoned", {})


def test_it_waits_as_long_as_a_text_thread_stays_open() -> None:
    assert idle_after() == runtime.TEXT_THREAD_IDLE == timedelta(hours=24)


def test_it_is_enqueued_once_an_hour_by_one_worker_of_many(
    frozen_now: Callable[[str], datetime],
) -> None:
    def claimed(instant: str) -> bool:
        due = due_and_claimed(huey, frozen_now(instant))
        return any(isinstance(task, end_idle_conversations.task_class) for task in due)

    first_worker = claimed("2026-03-10T18:20:00+00:00")
    second_worker = claimed("2026-03-10T18:20:30+00:00")
    off_the_hour = claimed("2026-03-10T18:21:00+00:00")
    next_hour = claimed("2026-03-10T19:20:00+00:00")

    assert (first_worker, second_worker, off_the_hour, next_hour) == (True, False, False, True)
