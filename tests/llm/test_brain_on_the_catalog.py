"""The LLM brain through the real runtime, tool catalog and demo practice on SQLite.

The model is the scripted local server; everything below it is the product: the
runtime binds the catalog to the conversation, the catalog enforces verification,
and the booking lands in the database.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.conversation import brains, runtime
from referraldesk.conversation.llm import LLMBrain
from referraldesk.conversation.llm.reply import REPLY_TOOL
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory
from referraldesk.llm import ChatClient
from referraldesk.models import Appointment, Conversation, Referral, ToolCall
from referraldesk.patients.service import register_patient
from referraldesk.practice.loader import load_demo
from referraldesk.referrals.service import create_referral
from referraldesk.settings import Settings
from referraldesk.testing.fake_llm import (
    FakeLLMServer,
    RecordedRequest,
    Scripted,
    error_reply,
    tool_call_reply,
)
from referraldesk.tools import catalog

NOW = datetime.fromisoformat("2026-04-14T10:05:00-07:00")
DANIEL = {"given_names": "Daniel", "surnames": ["Ortega"], "dob": "1979-11-22"}
SETUP = Actor(name="test:setup", role="admin")
EVENING = {
    "specialty": "orthopedics",
    "provider_id": None,
    "plan": None,
    "language": None,
    "location": None,
    "service": None,
    "date_from": None,
    "date_to": None,
    "windows": [{"weekdays": None, "after": "17:00", "before": None}],
    "urgency": None,
    "target_date": None,
    "limit": 3,
}


def reply(text: str, awaiting: str = "none", slot_ids: list[str] | None = None) -> Scripted:
    return tool_call_reply(
        "reply_to_caller",
        {
            "text": text,
            "language": "en",
            "awaiting": awaiting,
            "offered_slot_ids": slot_ids or [],
            "end_conversation": False,
            "transfer_reason": None,
        },
    )


@pytest.fixture(scope="module")
def practice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo practice with Daniel and his orthopedics referral, built once."""
    path = tmp_path_factory.mktemp("llm_practice") / "practice.db"
    clock.set_now(NOW, frozen=True)
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        load_demo(session, date(2026, 4, 14))
        patient = register_patient(
            session, SETUP, DANIEL | {"phone": "+15595550117", "plan": "Health Net Medi-Cal"}
        )
        create_referral(
            session,
            SETUP,
            {
                "patient_id": patient.id,
                "specialty": "orthopedics",
                "reason": "right knee pain after a fall at work",
                "referring_provider": "Dr. Priya Natarajan",
                "referring_practice": "Mineral King Family Practice",
            },
        )
        session.commit()
    engine.dispose()
    clock.get_clock().reset()
    return path


@pytest.fixture
def practice_engine(practice_file: Path, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "practice.db"
    shutil.copy(practice_file, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.fixture
def db(practice_engine: Engine) -> Iterator[Session]:
    clock.set_now(NOW, frozen=True)
    with session_factory(practice_engine)() as session:
        yield session


@pytest.fixture
def llm_brain(fake_llm: FakeLLMServer) -> Iterator[None]:
    settings = Settings(_env_file=None, llm_base_url=fake_llm.base_url, llm_max_tool_steps=6)
    with ChatClient(fake_llm.base_url, model="fake-model", max_retries=0) as client:
        brain = LLMBrain(client, settings=settings)
        with brains.replaced("llm", lambda: brain):
            yield


def first_slots(request: RecordedRequest) -> Scripted:
    slots = request.last_tool_result("get_available_slots")["data"]["slots"]
    return reply(
        "I have a couple of evening times. Which one works?",
        "slot_choice",
        [slot["slot_id"] for slot in slots[:2]],
    )


def book_the_first(request: RecordedRequest) -> Scripted:
    slot = request.last_tool_result("get_available_slots")["data"]["slots"][0]
    referral = request.last_tool_result("get_patient_referrals")["data"]["referrals"][0]
    arguments = {"slot_id": slot["slot_id"], "service": None, "referral_id": referral["id"]}
    return tool_call_reply("schedule_appointment", arguments | {"notes": None})


@pytest.mark.usefixtures("llm_brain")
def test_it_books_a_referral_visit_through_the_catalog(
    fake_llm: FakeLLMServer, db: Session
) -> None:
    fake_llm.script(
        reply("Thanks for calling. How can I help?", "anything_else"),
        reply("I can help with that. What is your full name and date of birth?", "name"),
        tool_call_reply("lookup_patient", DANIEL),
        tool_call_reply("get_patient_referrals", {"include_closed": None}),
        reply("I see your orthopedics referral. When can you come in?", "time_preference"),
        tool_call_reply("get_available_slots", EVENING),
        first_slots,
        book_the_first,
        reply("You're booked. Anything else?", "anything_else"),
    )

    conversation, _ = runtime.start_conversation(db, "chat", brain="llm")
    runtime.handle_message(db, conversation.id, "My doctor sent me to a bone specialist")
    runtime.handle_message(db, conversation.id, "Daniel Ortega, November 22nd, 1979")
    offer = runtime.handle_message(db, conversation.id, "anything after 5 in the evening")
    booked = runtime.handle_message(db, conversation.id, "1")
    db.commit()

    assert offer.awaiting == "slot_choice"
    assert len(offer.options) == 2
    offered_starts = [datetime.fromisoformat(o.start or "") for o in offer.options]
    assert all(start > NOW and start.time() >= time(17, 0) for start in offered_starts)
    assert [o.kind for o in offer.options] == ["slot", "slot"]
    assert booked.outcome == "booked"
    appointment = db.scalars(
        select(Appointment).where(Appointment.conversation_id == conversation.id)
    ).one()
    assert appointment.status == "booked"
    assert appointment.patient_id == db.get(Conversation, conversation.id).patient_id
    assert appointment.start_at == offered_starts[0]
    referral = db.scalars(
        select(Referral).where(Referral.patient_id == appointment.patient_id)
    ).one()
    assert referral.status == "scheduled"
    assert db.get(Conversation, conversation.id).outcome == "booked"
    assert fake_llm.pending == 0


@pytest.mark.usefixtures("llm_brain")
def test_every_request_carries_the_catalog_schemas(fake_llm: FakeLLMServer, db: Session) -> None:
    fake_llm.script(reply("Hello!", "anything_else"), reply("Sure.", "name"))

    conversation, _ = runtime.start_conversation(db, "chat", brain="llm")
    runtime.handle_message(db, conversation.id, "hi")

    for request in fake_llm.requests:
        assert request.tools == [*catalog.schemas(), REPLY_TOOL]
    assert "lookup_patient" in fake_llm.requests[0].tool_names
    assert "update_referral_status" in fake_llm.requests[0].tool_names


@pytest.mark.usefixtures("llm_brain")
def test_the_catalog_refuses_patient_tools_before_verification(
    fake_llm: FakeLLMServer, db: Session
) -> None:
    fake_llm.script(
        reply("Hello!", "anything_else"),
        tool_call_reply("get_patient_referrals", {"include_closed": None}),
        tool_call_reply("get_patient_appointments", {"include_past": None}),
        reply("First I need your full name and date of birth.", "name"),
    )

    conversation, _ = runtime.start_conversation(db, "chat", brain="llm")
    turn = runtime.handle_message(db, conversation.id, "what referrals do I have?")

    told: list[dict[str, Any]] = [
        json.loads(message["content"])
        for message in fake_llm.requests[-1].messages
        if message["role"] == "tool"
    ][-2:]
    assert [answer["error"]["code"] for answer in told] == ["not_verified", "not_verified"]
    assert "lookup_patient" in told[0]["error"]["hint"]
    rows = db.scalars(select(ToolCall).where(ToolCall.conversation_id == conversation.id)).all()
    assert [(row.name, row.error_code) for row in rows] == [
        ("get_patient_referrals", "not_verified"),
        ("get_patient_appointments", "not_verified"),
    ]
    assert turn.awaiting == "name"
    assert db.get(Conversation, conversation.id).patient_id is None


@pytest.mark.usefixtures("llm_brain")
def test_a_failing_endpoint_hands_the_conversation_to_the_guided_brain(
    fake_llm: FakeLLMServer, db: Session
) -> None:
    fake_llm.script(reply("Hello!", "anything_else"), error_reply(503))

    conversation, _ = runtime.start_conversation(db, "chat", brain="llm")
    first = runtime.handle_message(db, conversation.id, "I need an appointment")
    second = runtime.handle_message(db, conversation.id, "Daniel Ortega")

    assert len(fake_llm.requests) == 2
    state = db.get(Conversation, conversation.id).state
    assert state["llm"]["fallen_back"] is True
    assert state["llm"]["messages"] == []
    assert (first.awaiting, second.awaiting) == ("name", "dob")
    assert state["guided"]["given"] == "Daniel"
