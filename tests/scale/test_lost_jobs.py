"""Lost-job recovery: the sweep finds ended conversations without an analysis, and
running the analysis job again for one that has it changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.conversation.factories import NOW, make_practice

from referraldesk.conversation import runtime
from referraldesk.db.session import session_factory
from referraldesk.jobs.sweeper import unanalysed_conversations
from referraldesk.jobs.tasks import analyze_conversation
from referraldesk.models import ConversationAnalysis

Freeze = Callable[[datetime | str], datetime]


def ended_conversation(engine: Engine, *, analysed: bool) -> str:
    with session_factory(engine)() as session:
        if not analysed:
            runtime.skip_analysis(session)
        conversation, _ = runtime.start_conversation(session, "chat", language="en")
        runtime.end_conversation(session, conversation.id)
        session.commit()
        return conversation.id


def analyses(engine: Engine, conversation_id: str) -> int:
    with Session(engine) as session:
        return int(session.scalar(
            select(func.count()).select_from(ConversationAnalysis)
            .where(ConversationAnalysis.conversation_id == conversation_id)
        ) or 0)


def test_the_sweep_finds_only_old_unanalysed_conversations(
    engine: Engine, frozen_now: Freeze
) -> None:
    started = frozen_now(NOW)
    with session_factory(engine)() as session:
        make_practice(session)
        session.commit()
    lost = ended_conversation(engine, analysed=False)
    done = ended_conversation(engine, analysed=True)
    frozen_now(started + timedelta(minutes=9))
    recent = ended_conversation(engine, analysed=False)

    frozen_now(started + timedelta(minutes=11))
    with session_factory(engine)() as session:
        found = unanalysed_conversations(session, ended_before_minutes=10)

    assert found == [lost]
    assert (analyses(engine, done), analyses(engine, recent)) == (1, 0)


def test_running_the_analysis_job_twice_leaves_one_analysis(
    engine: Engine, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    with session_factory(engine)() as session:
        make_practice(session)
        session.commit()
    conversation_id = ended_conversation(engine, analysed=True)

    analyze_conversation(conversation_id)
    analyze_conversation(conversation_id)

    assert analyses(engine, conversation_id) == 1
