"""The runtime persists every turn and serves each one from the database alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conversation.factories import (
    END,
    SLOT_OPTIONS,
    ScriptedBrain,
    reply_with,
    say,
)

from referraldesk.conversation import runtime
from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.turn import AgentTurn
from referraldesk.errors import InvalidArgument, NotFound, Unavailable
from referraldesk.models import Conversation, ToolCall, Turn

NewSession = Callable[[], Session]


def start(new_session: NewSession, **kwargs: object) -> str:
    with new_session() as session:
        conversation, _ = runtime.start_conversation(session, "chat", **kwargs)  # type: ignore[arg-type]
        session.commit()
        return conversation.id


def message(
    new_session: NewSession, conversation_id: str, text: str, **kwargs: object
) -> AgentTurn:
    with new_session() as session:
        turn = runtime.handle_message(session, conversation_id, text, **kwargs)  # type: ignore[arg-type]
        session.commit()
        return turn


def test_it_stores_the_greeting_and_every_turn_with_its_details(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("Which works?", awaiting="slot_choice", options=SLOT_OPTIONS))]
    conversation_id = start(new_session, language="es", caller_phone="(559) 555-0143")

    turn = message(new_session, conversation_id, "  temprano por favor  ")

    with new_session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        turns = conversation.turns
        assert conversation.caller_phone == "+15595550143"
        assert conversation.channel == "chat" and conversation.direction == "inbound"
        assert [(t.seq, t.speaker) for t in turns] == [(1, "agent"), (2, "caller"), (3, "agent")]
        assert turns[1].text == "temprano por favor"
        assert turns[1].language == "es"
        assert turns[2].awaiting == "slot_choice"
        assert [o["id"] for o in turns[2].options] == ["slot-1", "slot-2"]
        assert turns[2].latency_ms is not None and turns[2].latency_ms >= 0
        assert turns[2].at.isoformat() == "2026-03-04T17:15:00+00:00"
    assert turn.public()["options"][0]["start"] == "2026-03-06T06:30:00-08:00"


def test_it_keeps_the_brains_frame_between_turns_served_by_new_sessions(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    def count(ctx: TurnContext, text: str) -> AgentTurn:
        ctx.state["count"] = ctx.state.get("count", 0) + 1
        return say(f"message {ctx.state['count']}, turn {ctx.turn_number}")

    brain.steps = [count]
    conversation_id = start(new_session)

    message(new_session, conversation_id, "one")
    third = message(new_session, conversation_id, "two")

    assert third.reply == "message 2, turn 3"
    with new_session() as session:
        assert session.get(Conversation, conversation_id).state == {"count": 2}  # type: ignore[union-attr]


def test_it_gives_the_brain_the_practice_and_the_caller(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    start(new_session, caller_phone="+15595550143")

    ctx = brain.contexts[0]

    assert (ctx.practice_name, ctx.practice_timezone) == (
        "Valley Test Clinic",
        "America/Los_Angeles",
    )
    assert ctx.caller_phone == "+15595550143"
    assert ctx.turn_number == 1
    assert ctx.extra["failed_verifications"] == 0


def test_it_records_the_tool_calls_the_brain_makes(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    def hours(ctx: TurnContext, text: str) -> AgentTurn:
        ctx.call_tool("get_office_hours")
        return say("We are open weekdays.", awaiting="anything_else", outcome="answered")

    brain.steps = [hours]
    conversation_id = start(new_session)

    message(new_session, conversation_id, "what are your hours?")

    with new_session() as session:
        names = session.scalars(
            select(ToolCall.name).where(ToolCall.conversation_id == conversation_id)
        )
        assert list(names) == ["get_office_hours"]
        assert session.get(Conversation, conversation_id).outcome == "answered"  # type: ignore[union-attr]


def test_a_replayed_message_returns_the_stored_answer_and_plays_nothing(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [lambda ctx, text: say(f"answer {len(brain.heard)}")]
    conversation_id = start(new_session)

    first = message(new_session, conversation_id, "hello", external_id="SM1")
    again = message(new_session, conversation_id, "hello", external_id="SM1")

    assert first.reply == again.reply == "answer 1"
    assert brain.heard == ["hello"]
    with new_session() as session:
        count = session.scalar(
            select(func.count()).select_from(Turn).where(Turn.conversation_id == conversation_id)
        )
        assert count == 3


def test_an_ended_conversation_refuses_new_messages(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    conversation_id = start(new_session)
    with new_session() as session:
        runtime.end_conversation(session, conversation_id)
        session.commit()

    with new_session() as session, pytest.raises(runtime.ConversationEnded) as refused:
        runtime.handle_message(session, conversation_id, "hello?")

    assert "has ended" in refused.value.message
    assert refused.value.code == "conflict"


def test_an_end_action_ends_the_conversation(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("Goodbye!", actions=[END], outcome="booked"))]
    conversation_id = start(new_session)

    message(new_session, conversation_id, "that's all")

    with new_session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert (conversation.status, conversation.outcome) == ("ended", "booked")
        assert conversation.ended_at is not None


def test_leaving_without_a_word_is_abandoned_and_after_an_answer_is_answered(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("We open at 8. Anything else?", awaiting="anything_else"))]
    silent = start(new_session)
    answered = start(new_session)
    message(new_session, answered, "when do you open?")

    with new_session() as session:
        first = runtime.end_conversation(session, silent)
        second = runtime.end_conversation(session, answered)
        session.commit()

    assert (first.outcome, first.outcome_reason) == ("abandoned", "caller_left")
    assert second.outcome == "answered"


def test_ending_queues_the_analysis_only_after_the_commit(
    practice: None, brain: ScriptedBrain, new_session: NewSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from referraldesk import jobs

    queued: list[str] = []
    monkeypatch.setattr(jobs, "queue_analysis", queued.append)
    kept, dropped = start(new_session), start(new_session)

    with new_session() as session:
        runtime.end_conversation(session, dropped)
        assert queued == []
        session.rollback()
    with new_session() as session:
        runtime.end_conversation(session, kept)
        with session.begin_nested():  # a tool call's savepoint is not the commit
            session.flush()
        assert queued == []
        session.commit()

    assert queued == [kept]


def test_ending_twice_changes_nothing(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    conversation_id = start(new_session)
    with new_session() as session:
        ended_at = runtime.end_conversation(session, conversation_id).ended_at
        session.commit()

    with new_session() as session:
        again = runtime.end_conversation(session, conversation_id, reason="other")

    assert (again.ended_at, again.outcome_reason) == (ended_at, "caller_left")


def test_it_refuses_bad_input_with_the_field_named(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    conversation_id = start(new_session)

    with new_session() as session:
        with pytest.raises(InvalidArgument) as empty:
            runtime.handle_message(session, conversation_id, " \x00 ")
        with pytest.raises(InvalidArgument) as long:
            runtime.handle_message(session, conversation_id, "a" * 2001)
        with pytest.raises(NotFound):
            runtime.handle_message(session, "nope", "hello")
        with pytest.raises(InvalidArgument) as channel:
            runtime.start_conversation(session, "fax", language="fr")

    assert empty.value.field == "text"
    assert "2001 characters; the limit is 2000" in long.value.message
    assert "'fax'" in channel.value.message and "'fr'" in channel.value.message


def test_it_needs_a_configured_practice(
    engine: object, brain: ScriptedBrain, new_session: NewSession
) -> None:
    with new_session() as session, pytest.raises(Unavailable) as missing:
        runtime.start_conversation(session, "chat")

    assert "practice load --demo" in missing.value.message


def test_a_failing_brain_hands_the_caller_to_a_person(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    def broken(ctx: TurnContext, text: str) -> AgentTurn:
        ctx.state["half"] = "done"
        raise RuntimeError("bug")

    brain.steps = [broken]
    conversation_id = start(new_session)

    turn = message(new_session, conversation_id, "hello")

    assert [action.type for action in turn.actions] == ["transfer"]
    with new_session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert (conversation.outcome, conversation.outcome_reason) == ("transferred", "agent_error")
        assert conversation.state == {}


def test_a_number_picks_the_offered_option(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("Which one?", awaiting="slot_choice", options=SLOT_OPTIONS))]
    conversation_id = start(new_session)
    message(new_session, conversation_id, "early please")

    message(new_session, conversation_id, "2")
    message(new_session, conversation_id, "slot-1")

    assert brain.heard[1:] == ["Friday March 6 at 7:00 AM", "Friday March 6 at 6:30 AM"]
