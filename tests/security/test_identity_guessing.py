"""Guessing a patient's date of birth is stopped per name, per chat address and per
conversation, however the guesses are spread; a real patient verifies the next day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.security.conftest import World
from tests.tools.factories import make_conversation

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.models import Conversation, ToolCall
from referraldesk.tools import ToolContext, catalog, identity_limits
from referraldesk.tools.identity_limits import FAILURES_PER_NAME, PER_CHAT_ADDRESS, name_pairs

MARIA = {"given_names": "María", "surnames": ["López", "García"]}
RIGHT = {**MARIA, "dob": "1980-05-02"}
NOBODY = {"given_names": "Zebulon", "surnames": ["Nadie"]}


def _wrong(day: int, name: dict[str, Any] = MARIA) -> dict[str, Any]:
    return {**name, "dob": f"1979-01-{day:02d}"}


def _agent(db: Session) -> ToolContext:
    return ToolContext.for_agent(make_conversation(db).id, "chat", "es")


def _check(db: Session, args: dict[str, Any], address: str = "203.0.113.9") -> Any:
    """One lookup by the agent of a fresh web chat from `address`."""
    with identity_limits.chat_from(address):
        return catalog.call(db, _agent(db), "lookup_patient", args)


def _chat_attempt(engine: Engine, address: str, dob_text: str) -> tuple[str | None, str | None]:
    """A whole web chat from `address`: name, birth date, lookup. Returns the
    lookup's error code (None when it matched) and the verified patient."""
    with TestClient(create_app(engine), client=(address, 40000)) as client:
        chat = client.post("/api/conversations", json={"channel": "chat", "language": "en"})
        conversation_id = chat.json()["id"]
        turn: dict[str, Any] = {}
        for text in ("I want to book an appointment", "My name is María López García", dob_text):
            sent = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text})
            turn = sent.json()["turn"]
        if turn["awaiting"] == "confirm":
            client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "yes"})
    with session_factory(engine)() as db:
        codes = db.scalars(
            select(ToolCall.error_code)
            .where(ToolCall.conversation_id == conversation_id, ToolCall.name == "lookup_patient")
        ).all()
        verified = db.scalar(select(Conversation.patient_id).where(Conversation.id == conversation_id))
    assert len(codes) == 1
    return codes[0], verified


def test_guessing_one_name_from_many_chats_and_addresses_is_stopped_until_the_next_day(
    engine: Engine, world: World
) -> None:
    guesses = [_chat_attempt(engine, f"198.51.100.{n}", f"May {n}, 1979") for n in range(1, 6)]

    right_but_locked = _chat_attempt(engine, "198.51.100.77", "May 2, 1980")
    clock.set_now(clock.now() + timedelta(days=1), frozen=True)
    next_day = _chat_attempt(engine, "198.51.100.78", "May 2, 1980")

    assert guesses == [("not_found", None)] * FAILURES_PER_NAME.limit
    assert right_but_locked == ("rate_limited", None)
    assert next_day == (None, world.maria.id)


def test_a_locked_name_is_refused_alike_whether_or_not_it_is_on_file(
    db: Session, world: World
) -> None:
    for day in range(1, 6):
        _check(db, _wrong(day), address=f"192.0.2.{day}")
        _check(db, _wrong(day, NOBODY), address=f"192.0.2.{day + 10}")

    on_file = _check(db, RIGHT, address="192.0.2.50")
    not_on_file = _check(db, _wrong(9, NOBODY), address="192.0.2.51")

    assert on_file.error is not None and not_on_file.error is not None
    assert on_file.error == not_on_file.error
    assert on_file.error.code == "rate_limited"
    assert "for this name today" in on_file.error.message


def test_the_lock_covers_the_same_name_said_shorter_or_in_another_order(
    db: Session, world: World
) -> None:
    shorter = {"given_names": "María", "surnames": ["López"]}
    for day in range(1, 6):
        _check(db, _wrong(day, shorter), address=f"192.0.2.{day}")

    swapped = _check(db, {"given_names": "López", "surnames": ["María"], "dob": "1980-05-02"})
    full = _check(db, RIGHT)

    assert swapped.error is not None and swapped.error.code == "rate_limited"
    assert full.error is not None and full.error.code == "rate_limited"
    assert name_pairs("María", ["López", "García"]) == ["garcia|maria", "lopez|maria"]


def test_staff_still_verify_a_locked_name(db: Session, world: World) -> None:
    for day in range(1, 6):
        _check(db, _wrong(day), address=f"192.0.2.{day}")
    staff = ToolContext(None, "api", "en", Actor(name="staff:desk", role="staff"))

    outcome = catalog.call(db, staff, "lookup_patient", RIGHT)

    assert outcome.ok and outcome.data is not None
    assert outcome.data["patient_id"] == world.maria.id


def test_a_success_does_not_count_against_the_name(db: Session, world: World) -> None:
    outcomes = [_check(db, RIGHT, address=f"192.0.2.{n}") for n in range(8)]

    assert all(outcome.ok for outcome in outcomes)


def test_a_chat_address_gets_a_bounded_number_of_checks_across_its_chats(
    db: Session, world: World
) -> None:
    def by_phone(address: str) -> Any:
        with identity_limits.chat_from(address):
            return catalog.call(db, _agent(db), "lookup_patient_by_phone", {"phone": "559-555-0100"})

    allowed = [by_phone("203.0.113.5") for _ in range(PER_CHAT_ADDRESS.limit)]
    refused = by_phone("203.0.113.5")
    elsewhere = by_phone("203.0.113.6")
    clock.set_now(clock.now() + timedelta(hours=1), frozen=True)
    later = by_phone("203.0.113.5")

    assert all(outcome.ok for outcome in allowed)
    assert refused.error is not None and refused.error.code == "rate_limited"
    assert "identity checks from this address" in refused.error.message
    assert elsewhere.ok and later.ok


def test_no_check_is_allowed_after_three_failures_in_a_conversation(
    db: Session, world: World
) -> None:
    conversation = make_conversation(db)
    # What the runtime has counted once three checks failed (and the caller declined a
    # person, or a brain kept asking).
    conversation.failed_verifications = 3
    ctx = ToolContext.for_agent(conversation.id, "chat", "es")

    outcome = catalog.call(db, ctx, "lookup_patient", RIGHT)
    by_phone = catalog.call(db, ctx, "lookup_patient_by_phone", {"phone": "559-555-0143"})

    assert outcome.error is not None and outcome.error.code == "rate_limited"
    assert by_phone.error is not None and by_phone.error.code == "rate_limited"
    assert ctx.verified_patient_id is None
