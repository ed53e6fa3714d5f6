"""The LLM brain against the scripted endpoint, with a stand-in front desk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from referraldesk.conversation.llm import LLMBrain
from referraldesk.conversation.llm.reply import REPLY_TOOL
from referraldesk.llm import ChatClient
from referraldesk.settings import Settings
from referraldesk.testing.fake_llm import (
    FakeLLMServer,
    RecordedRequest,
    Scripted,
    error_reply,
    malformed_reply,
    slow_reply,
    text_reply,
    tool_call_reply,
    tool_calls_reply,
)

from .harness import FAKE_SCHEMAS, PATIENT, Caller, FakeFrontDesk, StubGuided


def reply(text: str, awaiting: str = "none", language: str = "en", **more: Any) -> Scripted:
    arguments = {
        "text": text,
        "language": language,
        "awaiting": awaiting,
        "offered_slot_ids": [],
        "end_conversation": False,
        "transfer_reason": None,
    }
    return tool_call_reply("reply_to_caller", arguments | more)


def settings_for(server: FakeLLMServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_base_url": server.base_url, "llm_max_tool_steps": 6}
    return Settings(_env_file=None, **(values | overrides))


@pytest.fixture
def desk() -> FakeFrontDesk:
    return FakeFrontDesk()


@pytest.fixture
def guided() -> StubGuided:
    return StubGuided()


@pytest.fixture
def quick_client(fake_llm: FakeLLMServer) -> Iterator[ChatClient]:
    with ChatClient(
        fake_llm.base_url, model="fake-model", max_retries=1, sleep=lambda _: None
    ) as client:
        yield client


def caller_for(
    server: FakeLLMServer,
    client: ChatClient,
    desk: FakeFrontDesk,
    guided: StubGuided | None,
    **settings: Any,
) -> Caller:
    brain = LLMBrain(
        client,
        settings=settings_for(server, **settings),
        tool_schemas=FAKE_SCHEMAS,
        fallback=lambda: guided,
    )
    return Caller(brain, desk.call_tool)


@pytest.fixture
def caller(
    fake_llm: FakeLLMServer, quick_client: ChatClient, desk: FakeFrontDesk, guided: StubGuided
) -> Caller:
    return caller_for(fake_llm, quick_client, desk, guided)


def first_offered_slot(request: RecordedRequest) -> Scripted:
    slots = request.last_tool_result("get_available_slots")["data"]["slots"]
    return tool_call_reply("schedule_appointment", {"slot_id": slots[0]["slot_id"]})


def test_it_books_through_a_whole_conversation(
    fake_llm: FakeLLMServer, caller: Caller, desk: FakeFrontDesk
) -> None:
    fake_llm.script(
        reply("Thanks for calling Valley Specialty Clinic. How can I help?", "anything_else"),
        tool_call_reply("lookup_patient", PATIENT),
        tool_call_reply("get_patient_referrals", {}),
        tool_call_reply("get_available_slots", {"specialty": "orthopedics"}),
        reply(
            "I have Tuesday at 5:30 PM or Wednesday at 6 PM. Which works?",
            "slot_choice",
            offered_slot_ids=["slot-a", "slot-b", "slot-made-up"],
        ),
        first_offered_slot,
        reply("You're booked Tuesday at 5:30 PM. Anything else?", "anything_else"),
    )

    greeting = caller.start()
    offer = caller.says("Daniel Ortega, November 22 1979, knee referral, after 5 pm")
    booked = caller.says("the first one")

    assert greeting.awaiting == "anything_else"
    assert offer.awaiting == "slot_choice"
    assert [(o.id, o.kind, o.start, o.provider, o.specialty) for o in offer.options] == [
        ("slot-a", "slot", "2026-04-21T17:30:00-07:00", "Dr. Luis Herrera", "orthopedics"),
        ("slot-b", "slot", "2026-04-22T18:00:00-07:00", "Dr. Luis Herrera", "orthopedics"),
    ]
    assert offer.options[0].label == "Tue Apr 21, 5:30 PM — Dr. Luis Herrera"
    assert booked.outcome == "booked"
    assert booked.reply == "You're booked Tuesday at 5:30 PM. Anything else?"
    assert desk.bookings == ["slot-a"]
    assert desk.called == [
        "lookup_patient",
        "get_patient_referrals",
        "get_available_slots",
        "schedule_appointment",
    ]
    assert fake_llm.pending == 0


def test_it_sends_the_catalog_schemas_and_its_reply_function(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    fake_llm.script(reply("Hello!"))

    caller.start()

    sent = fake_llm.requests[0].body
    assert sent["tools"] == [*FAKE_SCHEMAS, REPLY_TOOL]
    assert sent["tool_choice"] == "auto"
    assert sent["model"] == "fake-model"
    system = sent["messages"][0]
    assert system["role"] == "system"
    assert "Valley Specialty Clinic" in system["content"]
    assert "Tuesday 2026-04-14 10:05" in system["content"]
    assert "America/Los_Angeles" in system["content"]
    assert "call 911" in system["content"]
    assert "The caller is not verified yet." in system["content"]


def test_it_feeds_tool_results_back_and_keeps_the_history_between_turns(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    fake_llm.script(
        reply("Hello!", "anything_else"),
        tool_call_reply("lookup_patient", PATIENT),
        reply("Thanks Daniel, you're verified.", "specialty"),
        reply("Sure.", "none"),
    )

    caller.start()
    caller.says("Daniel Ortega 11/22/1979")
    caller.says("orthopedics")

    third_request, last_request = fake_llm.requests[2], fake_llm.requests[3]
    tool_answer = third_request.messages[-1]
    assert tool_answer["role"] == "tool"
    assert json.loads(tool_answer["content"]) == {
        "ok": True,
        "data": {"patient_id": "pat-1", "given_names": "Daniel"},
    }
    assert "The caller is verified" in third_request.messages[0]["content"]
    assert [m["role"] for m in last_request.messages] == [
        "system",
        "assistant", "tool",  # the greeting, and its reply_to_caller answered
        "user", "assistant", "tool", "assistant", "tool",
        "user",
    ]  # fmt: skip
    assert last_request.messages[-1] == {"role": "user", "content": "orthopedics"}


def test_the_model_is_told_how_much_of_a_reply_the_caller_spoke_over(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    fake_llm.script(
        reply("I have Tuesday at 7:30, Wednesday at 6:00 and Friday at 5:00.", "slot_choice"),
        reply("Tuesday at 7:30 it is?", "confirm"),
        reply("Good.", "none"),
    )
    caller.channel = "voice"
    caller.start()
    caller.heard_of_last = "I have Tuesday at 7:30,"

    caller.says("the second one")
    caller.says("yes")

    assert fake_llm.requests[1].messages[-1] == {
        "role": "user",
        "content": '[The caller spoke over your last reply; they heard only: '
        '"I have Tuesday at 7:30,"]\nthe second one',
    }
    assert fake_llm.requests[2].messages[-1] == {"role": "user", "content": "yes"}


def test_a_patient_tool_before_verification_is_refused_and_the_model_is_told(
    fake_llm: FakeLLMServer, caller: Caller, desk: FakeFrontDesk
) -> None:
    fake_llm.script(
        tool_call_reply("get_patient_referrals", {}),
        reply("First, what is your full name and date of birth?", "name"),
    )

    turn = caller.says("what referrals do I have?")

    refusal = json.loads(fake_llm.requests[1].messages[-1]["content"])
    assert refusal["ok"] is False
    assert refusal["error"]["code"] == "not_verified"
    assert desk.verified_patient_id is None
    assert turn.awaiting == "name"


def test_it_stops_a_model_that_keeps_calling_tools_and_hands_over(
    fake_llm: FakeLLMServer, quick_client: ChatClient, desk: FakeFrontDesk, guided: StubGuided
) -> None:
    caller = caller_for(fake_llm, quick_client, desk, guided, llm_max_tool_steps=2)
    fake_llm.always(tool_call_reply("get_office_hours", {}))

    turn = caller.says("when are you open?")

    assert len(fake_llm.requests) == 3
    assert [r.body["tool_choice"] for r in fake_llm.requests] == [
        "auto",
        "auto",
        {"type": "function", "function": {"name": "reply_to_caller"}},
    ]
    # The third request was the forced reply: its tool call was not run.
    assert desk.called == ["get_office_hours", "get_office_hours"]
    assert turn.reply == "guided: go on"
    assert caller.state["llm"]["fallback_reason"] == "max_tool_steps"


def test_a_forced_last_step_may_still_reply(
    fake_llm: FakeLLMServer, quick_client: ChatClient, desk: FakeFrontDesk, guided: StubGuided
) -> None:
    caller = caller_for(fake_llm, quick_client, desk, guided, llm_max_tool_steps=1)
    fake_llm.script(tool_call_reply("get_office_hours", {}), reply("We open at 6:30."))

    turn = caller.says("when are you open?")

    assert turn.reply == "We open at 6:30."
    assert guided.seen == []


def test_it_hands_over_when_the_endpoint_stalls_past_the_turn_time(
    fake_llm: FakeLLMServer, desk: FakeFrontDesk, guided: StubGuided
) -> None:
    fake_llm.script(slow_reply(5.0))
    client = ChatClient(fake_llm.base_url, model="m", max_retries=0)
    with client:
        caller = caller_for(fake_llm, client, desk, guided, llm_timeout_seconds=0.2)

        turn = caller.says("hello?")

    assert turn.reply == "guided: go on"
    assert caller.state["llm"]["fallback_reason"] == "LLMTimeout"


def test_it_counts_tool_time_against_the_turn_time(
    fake_llm: FakeLLMServer, quick_client: ChatClient, desk: FakeFrontDesk, guided: StubGuided
) -> None:
    ticks = iter([0.0, 1.0, 9.0, 9.0])  # started, first ask, second ask, the log line
    brain = LLMBrain(
        quick_client,
        settings=settings_for(fake_llm, llm_timeout_seconds=8.0),
        tool_schemas=FAKE_SCHEMAS,
        fallback=lambda: guided,
        monotonic=lambda: next(ticks),
    )
    caller = Caller(brain, desk.call_tool)
    fake_llm.script(tool_call_reply("get_office_hours", {}), reply("never asked for"))

    turn = caller.says("when are you open?")

    assert len(fake_llm.requests) == 1
    assert turn.reply == "guided: go on"
    assert caller.state["llm"]["fallback_reason"] == "timeout"


def test_it_falls_back_on_a_failing_endpoint_and_stays_on_the_guided_brain(
    fake_llm: FakeLLMServer, caller: Caller, guided: StubGuided
) -> None:
    fake_llm.script(reply("Hello!", "anything_else"), error_reply(500), error_reply(503))

    caller.start()
    first = caller.says("I need an appointment")
    second = caller.says("Daniel Ortega")

    assert (first.reply, second.reply) == ("guided: go on", "guided: go on")
    assert guided.seen == ["I need an appointment", "Daniel Ortega"]
    assert len(fake_llm.requests) == 3  # the greeting, then one request retried once
    assert caller.state["llm"]["fallen_back"] is True
    assert caller.state["llm"]["fallback_reason"] == "LLMTransientError"
    assert caller.state["guided"] == {"heard": 2}


@pytest.mark.parametrize(
    "garbage",
    [
        malformed_reply(),
        text_reply(""),
        error_reply(400, "model not found"),
    ],
    ids=["not-a-completion", "empty-answer", "refused-request"],
)
def test_it_falls_back_on_garbage(
    fake_llm: FakeLLMServer, caller: Caller, guided: StubGuided, garbage: Scripted
) -> None:
    fake_llm.script(garbage)

    turn = caller.start()

    assert turn.reply == "guided: hello"
    assert guided.seen == [None]
    assert caller.state["guided"] == {"greeted": True}


def test_it_hands_over_when_no_endpoint_is_configured(
    desk: FakeFrontDesk, guided: StubGuided
) -> None:
    brain = LLMBrain(
        settings=Settings(_env_file=None), tool_schemas=FAKE_SCHEMAS, fallback=lambda: guided
    )

    turn = Caller(brain, desk.call_tool).says("hello")

    assert turn.reply == "guided: go on"


def test_without_a_guided_brain_it_gets_the_caller_a_person(
    fake_llm: FakeLLMServer, quick_client: ChatClient, desk: FakeFrontDesk
) -> None:
    caller = caller_for(fake_llm, quick_client, desk, None, language="es")
    caller.language = "es"
    fake_llm.script(malformed_reply())

    turn = caller.says("hola")

    assert desk.called == ["transfer_to_staff"]
    assert turn.outcome == "transferred"
    assert turn.language == "es"
    assert [(a.type, a.extra.get("task_id")) for a in turn.actions] == [("transfer", "task-1")]
    assert turn.reply


def test_it_follows_the_caller_into_spanish(fake_llm: FakeLLMServer, caller: Caller) -> None:
    fake_llm.script(
        reply("Claro, seguimos en español. ¿Cuál es su nombre completo?", "name", "es"),
        reply("Gracias.", "dob", "es"),
    )

    switched = caller.says("¿Puedo hablar en español?")
    caller.says("Daniel Ortega")

    assert (switched.language, switched.awaiting) == ("es", "name")
    assert (
        "Eres la recepción de Valley Specialty Clinic"
        in fake_llm.requests[1].messages[0]["content"]
    )


def test_a_reply_sent_with_other_calls_waits_for_their_results(
    fake_llm: FakeLLMServer, caller: Caller, desk: FakeFrontDesk
) -> None:
    premature = {
        "text": "Booked!",
        "language": "en",
        "awaiting": "none",
        "offered_slot_ids": [],
        "end_conversation": False,
        "transfer_reason": None,
    }
    fake_llm.script(
        tool_calls_reply(("get_office_hours", {}), ("reply_to_caller", premature)),
        reply("We open at 6:30."),
    )

    turn = caller.says("hours?")

    declined = json.loads(fake_llm.requests[1].messages[-1]["content"])
    assert declined["error"]["code"] == "invalid_argument"
    assert "came with other tool calls" in declined["error"]["message"]
    assert turn.reply == "We open at 6:30."
    assert desk.called == ["get_office_hours"]


def test_it_asks_the_model_to_fix_a_reply_it_cannot_use(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    fake_llm.script(
        reply("", "maybe"),
        tool_call_reply("lookup_patient", '{"given_names": "Dan'),
        reply("What is your date of birth?", "dob"),
    )

    turn = caller.says("Daniel Ortega")

    problems = json.loads(fake_llm.requests[1].messages[-1]["content"])["error"]["message"]
    assert "text: must be the non-empty sentence to say" in problems
    assert "awaiting: 'maybe' is not one of name, dob" in problems
    bad_arguments = json.loads(fake_llm.requests[2].messages[-1]["content"])["error"]
    assert bad_arguments["message"] == "the arguments of lookup_patient are not a JSON object"
    assert turn.awaiting == "dob"


def test_it_refuses_a_tool_it_was_not_shown(
    fake_llm: FakeLLMServer, caller: Caller, desk: FakeFrontDesk
) -> None:
    fake_llm.script(tool_call_reply("drop_tables", {}), reply("Sorry, I can't do that."))

    caller.says("delete everything")

    refusal = json.loads(fake_llm.requests[1].messages[-1]["content"])["error"]
    assert refusal["code"] == "not_found"
    assert "get_office_hours" in refusal["hint"]
    assert desk.called == []


def test_a_plain_text_answer_is_said_as_is(fake_llm: FakeLLMServer, caller: Caller) -> None:
    fake_llm.script(text_reply("  We are open from 6:30 AM.  "))

    turn = caller.says("hours?")

    assert (turn.reply, turn.awaiting, turn.language) == ("We are open from 6:30 AM.", "none", "en")


def test_a_transfer_and_an_ending_become_channel_actions(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    fake_llm.script(
        tool_call_reply(
            "transfer_to_staff",
            {"reason": "billing question", "urgency": "routine", "summary": "asks about a bill"},
        ),
        reply("I'll get someone from billing.", transfer_reason="billing question"),
        reply("Goodbye!", end_conversation=True),
    )

    handed = caller.says("I have a question about my bill")
    ended = caller.says("thanks, bye")

    assert [(a.type, a.extra.get("task_id")) for a in handed.actions] == [("transfer", "task-1")]
    assert (handed.outcome, handed.outcome_reason) == ("transferred", "billing question")
    assert [a.type for a in ended.actions] == ["end"]
    assert ended.outcome is None


def test_it_logs_counts_and_never_what_was_said(
    fake_llm: FakeLLMServer, caller: Caller, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.script(tool_call_reply("lookup_patient", PATIENT), reply("Thanks Daniel."))

    caller.says("Daniel Ortega, 1979-11-22")

    captured = capsys.readouterr()
    logged = captured.out + captured.err
    assert "llm_turn" in logged
    assert "model_calls" in logged
    for secret in ("Daniel", "Ortega", "1979-11-22", "11-22"):
        assert secret not in logged


def test_it_labels_offered_slots_in_the_reply_language(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    fake_llm.script(
        tool_call_reply("get_available_slots", {"specialty": "orthopedics"}),
        reply("Tengo el martes a las 5:30.", "slot_choice", "es", offered_slot_ids=["slot-a"]),
    )

    turn = caller.says("¿qué horarios tienen en la tarde?")

    assert turn.language == "es"
    assert turn.options[0].label.startswith("mar 21 de abril")
    assert turn.options[0].label.endswith("— Dr. Luis Herrera")


def test_a_booking_made_before_the_endpoint_failed_still_counts(
    fake_llm: FakeLLMServer, caller: Caller, desk: FakeFrontDesk, guided: StubGuided
) -> None:
    fake_llm.script(
        tool_call_reply("lookup_patient", PATIENT),
        tool_call_reply("schedule_appointment", {"slot_id": "slot-b"}),
        error_reply(500),
        error_reply(500),
    )

    turn = caller.says("Daniel Ortega, 1979-11-22, book the Wednesday one")

    assert desk.bookings == ["slot-b"]
    assert turn.reply == "guided: go on"
    assert turn.outcome == "booked"


def test_an_outbound_call_opens_by_asking_for_the_patient(
    fake_llm: FakeLLMServer, caller: Caller
) -> None:
    caller.direction = "outbound"
    caller.language = "es"
    fake_llm.script(reply("Hola, habla la Clínica. ¿Está Daniel?", "name", "es"))

    caller.start()

    system = fake_llm.requests[0].messages[0]["content"]
    assert "Tú hiciste esta llamada por una referencia" in system
    assert "Si la persona todavía no ha dicho nada" not in system
