"""Identity attempts by the agent are limited per conversation and per caller number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session
from tests.security.conftest import World
from tests.tools.factories import MARIA_PHONE, make_conversation

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.tools import ToolContext, catalog
from referraldesk.tools.identity_limits import PER_CALLER_NUMBER, PER_CONVERSATION

WRONG = {"given_names": "María", "surnames": ["López", "García"], "dob": "1980-05-03"}
RIGHT = {"given_names": "María", "surnames": ["López", "García"], "dob": "1980-05-02"}


def _agent(db: Session, phone: str | None = MARIA_PHONE) -> ToolContext:
    conversation = make_conversation(db, caller_phone=phone)
    return ToolContext.for_agent(conversation.id, "chat", "es", caller_phone=phone)


def _codes(db: Session, ctx: ToolContext, times: int, args: dict[str, Any]) -> list[str]:
    outcomes = [catalog.call(db, ctx, "lookup_patient", args) for _ in range(times)]
    return [o.error.code if o.error else "ok" for o in outcomes]


def test_a_conversation_gets_five_attempts_then_not_even_the_right_answer_works(
    db: Session, world: World
) -> None:
    ctx = _agent(db, phone=None)

    codes = _codes(db, ctx, PER_CONVERSATION.limit, WRONG)
    after = catalog.call(db, ctx, "lookup_patient", RIGHT)

    assert codes == ["not_found"] * 5
    assert after.error is not None and after.error.code == "rate_limited"
    assert "identity checks in this conversation" in after.error.message
    assert ctx.verified_patient_id is None


def test_a_new_conversation_from_the_same_number_does_not_reset_the_count(
    db: Session, world: World
) -> None:
    for _ in range(2):
        _codes(db, _agent(db), 5, WRONG)

    third = catalog.call(db, _agent(db), "lookup_patient", RIGHT)

    assert PER_CALLER_NUMBER.limit == 10
    assert third.error is not None and third.error.code == "rate_limited"
    assert "from this phone number" in third.error.message


def test_the_number_may_try_again_the_next_day(db: Session, world: World) -> None:
    for _ in range(2):
        _codes(db, _agent(db), 5, WRONG)
    clock.set_now(clock.now() + timedelta(days=1), frozen=True)

    outcome = catalog.call(db, _agent(db), "lookup_patient", RIGHT)

    assert outcome.ok


def test_staff_lookups_are_not_counted(db: Session, world: World) -> None:
    staff = ToolContext(None, "api", "en", Actor(name="staff:desk", role="staff"))

    codes = _codes(db, staff, 12, WRONG)

    assert set(codes) == {"not_found"}


def test_lookups_by_phone_count_as_identity_attempts(db: Session, world: World) -> None:
    ctx = _agent(db, phone=None)

    codes = [catalog.call(db, ctx, "lookup_patient_by_phone", {"phone": "559-555-0143"})
             for _ in range(6)]

    assert [o.ok for o in codes] == [True] * 5 + [False]
