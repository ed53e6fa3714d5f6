"""A conversation that ends through the runtime is analysed once, by the queued job."""

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from referraldesk.conversation import runtime
from referraldesk.db.session import session_scope
from referraldesk.models import ConversationAnalysis, Practice


def test_an_ended_chat_gets_exactly_one_current_analysis(engine: Engine, frozen_now) -> None:  # type: ignore[no-untyped-def]
    frozen_now("2026-04-16T07:45:00-07:00")
    with session_scope(engine) as session:
        session.add(Practice(name="Sequoia Test Clinic", timezone="America/Los_Angeles"))
    with session_scope(engine) as session:
        conversation, _ = runtime.start_conversation(session, "chat", language="en")
        conversation_id = conversation.id
    with session_scope(engine) as session:
        runtime.handle_message(session, conversation_id, "I want to talk to a real person please")

    with session_scope(engine) as session:
        runtime.end_conversation(session, conversation_id)
    with session_scope(engine) as session:
        runtime.end_conversation(session, conversation_id)

    with Session(engine) as session:
        analyses = session.scalars(
            select(ConversationAnalysis).where(ConversationAnalysis.conversation_id == conversation_id)
        ).all()
        current = [a for a in analyses if a.is_current]
        assert len(current) == 1
        assert current[0].escalation_flag is True
        assert session.scalar(select(func.count()).select_from(ConversationAnalysis)) == len(analyses)
