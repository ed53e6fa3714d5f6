"""The case player itself, driven by a scripted brain: caller turns in, replies out."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from tests.conversation.factories import END, ScriptedBrain, say, scripted

from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.turn import AgentTurn, Option
from referraldesk.simulation import CaseError, play_case
from referraldesk.simulation.caller import SimulatedCaller
from referraldesk.simulation.cases import parse_case
from referraldesk.simulation.phrasing import clock_time, plain_date, plain_phone, slot_phrase


def case(**overrides: Any) -> Any:
    raw: dict[str, Any] = {
        "id": "test-case",
        "now": datetime.fromisoformat("2026-03-04T09:15:00-08:00"),
        "channel": "chat",
        "language": "es",
        "caller": {
            "phone": "+15595550143",
            "patient": {
                "given": "María Elena",
                "surnames": ["López", "García"],
                "dob": date(1985, 4, 3),
                "plan": "Anthem Blue Cross Medi-Cal",
                "preferred_language": "es",
            },
        },
        "says": {"opening": "hola", "confirm": "sí, perfecto", "slot_choice": "first_fitting"},
        "expect": {
            "outcome": "answered",
            "language": "es",
            "max_turns": 4,
            "appointment": {"local_start_before": "08:00", "weekday_in": ["fri"]},
        },
    }
    raw.update(overrides)
    return parse_case(raw)


def slot(start: str) -> Option:
    return Option(id=start, kind="slot", label=start, start=start)


def test_the_caller_answers_by_what_is_awaited() -> None:
    caller = SimulatedCaller(case())

    assert caller.answer(say("?", awaiting="confirm")) == "sí, perfecto"
    assert caller.answer(say("?", awaiting="name")) == "María Elena López García"
    assert caller.answer(say("?", awaiting="dob")) == "3 de abril de 1985"
    assert caller.answer(say("?", awaiting="phone")) == "559 555 0143"
    assert caller.answer(say("?", awaiting="plan")) == "Anthem Blue Cross Medi-Cal"
    assert caller.answer(say("?", awaiting="anything_else")) == "no, es todo"


def test_first_fitting_picks_the_first_slot_meeting_the_expectation() -> None:
    offered = [
        slot("2026-03-05T07:00:00-08:00"),
        slot("2026-03-06T08:30:00-08:00"),
        slot("2026-03-06T07:30:00-08:00"),
        slot("2026-03-13T07:30:00-08:00"),
    ]

    words = SimulatedCaller(case()).answer(say("?", awaiting="slot_choice", options=offered))

    assert words == "el viernes 6 a las 7:30"


def test_first_picks_the_first_slot_in_english() -> None:
    english = case(
        language="en",
        expect={"outcome": "booked", "language": "en"},
        says={"opening": "hi", "slot_choice": "first"},
    )
    offered = [slot("2026-03-10T17:30:00-07:00"), slot("2026-03-11T07:00:00-07:00")]

    words = SimulatedCaller(english).answer(say("?", awaiting="slot_choice", options=offered))

    assert words == "Tuesday at 5:30 pm"


def test_plain_forms_read_as_a_person_says_them() -> None:
    one_pm = datetime.fromisoformat("2026-03-07T13:00:00-08:00")

    assert plain_date(date(1985, 4, 3), "en") == "April 3, 1985"
    assert plain_phone("+15595550143") == "559 555 0143"
    assert clock_time(one_pm, "es") == "la 1 de la tarde"
    assert slot_phrase(one_pm, "es") == "el sábado a la 1 de la tarde"
    assert slot_phrase(one_pm, "en", with_date=True) == "Saturday the 7th at 1 pm"


def test_a_case_file_with_several_mistakes_names_them_all() -> None:
    with pytest.raises(CaseError) as refused:
        parse_case(
            {
                "id": "bad",
                "now": "yesterday",
                "channel": "fax",
                "language": "fr",
                "says": {},
                "expect": {"outcome": "happy"},
            }
        )

    message = refused.value.message
    for part in ("now:", "channel:", "language:", "says.opening", "expect.outcome"):
        assert part in message


def test_it_plays_and_passes_a_case_with_a_scripted_brain() -> None:
    brain = ScriptedBrain(
        steps=[
            lambda ctx, text: say(
                "Abrimos a las 8. ¿Algo más?",
                language="es",
                awaiting="anything_else",
                outcome="answered",
            ),
            lambda ctx, text: say("¡Hasta luego!", language="es", actions=[END]),
        ]
    )
    plain = case(expect={"outcome": "answered", "language": "es", "max_turns": 3})

    with scripted(brain):
        result = play_case(plain)

    assert result.passed, result.reasons
    assert result.line() == "PASS test-case  3 turns  answered"
    assert brain.heard == ["hola", "no, es todo"]


def test_it_fails_an_agent_that_asks_the_same_thing_three_times() -> None:
    def ask_dob(ctx: TurnContext, text: str) -> AgentTurn:
        return say("¿Fecha de nacimiento?", language="es", awaiting="dob")

    with scripted(ScriptedBrain(steps=[ask_dob])):
        result = play_case(case(expect={"outcome": "answered", "max_turns": 10}))

    assert not result.passed
    assert "the agent asked for dob three times in a row" in result.reasons
    assert result.line().startswith("FAIL test-case  4 turns")


def test_it_fails_a_wrong_outcome_and_too_many_turns() -> None:
    with scripted(ScriptedBrain(steps=[lambda ctx, text: say("Ok.", awaiting="reason")])):
        result = play_case(
            case(
                says={"opening": "hola", "reason": "dolor"},
                expect={
                    "outcome": "booked",
                    "language": "es",
                    "max_turns": 2,
                    "appointment": {"specialty": "dermatology"},
                },
            )
        )

    assert "3 agent turns, at most 2 allowed" in result.reasons
    assert any(reason.startswith("outcome abandoned") for reason in result.reasons)
    assert "no appointment was booked in this conversation" in result.reasons
    assert "ended in en, expected es" in result.reasons


def test_clock_time_in_the_morning_needs_no_marker() -> None:
    assert clock_time(datetime.combine(date(2026, 3, 6), time(7, 30)), "en") == "7:30"
