"""`referraldesk chat` and `referraldesk understand` from piped input."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from tests.conversation.factories import END, SLOT_OPTIONS, ScriptedBrain, reply_with, say
from typer.testing import CliRunner

from referraldesk.cli import app
from referraldesk.db.session import session_factory
from referraldesk.models import Conversation

runner = CliRunner()


def test_chat_plays_piped_lines_and_numbers_pick_options(
    engine: Engine, practice: None, brain: ScriptedBrain
) -> None:
    brain.steps = [
        reply_with(say("Which one?", awaiting="slot_choice", options=SLOT_OPTIONS)),
        reply_with(say("Booked. Bye!", actions=[END], outcome="booked")),
    ]

    result = runner.invoke(
        app,
        ["chat", "--lang", "es", "--phone", "+1 559 555 0143"],
        input="early please\n2\nnever read\n",
    )

    assert result.exit_code == 0, result.output
    with session_factory(engine)() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert result.stdout.splitlines() == [
        "Hi, how can I help?",
        "Which one?",
        "1. Friday March 6 at 6:30 AM",
        "2. Friday March 6 at 7:00 AM",
        "Booked. Bye!",
        f"[conversation {conversation.id} ended: booked]",
    ]
    assert brain.heard == ["early please", "Friday March 6 at 7:00 AM"]
    with session_factory(engine)() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert (conversation.channel, conversation.outcome) == ("terminal", "booked")
        assert conversation.caller_phone == "+15595550143"


def test_chat_ends_the_conversation_at_end_of_input(
    engine: Engine, practice: None, brain: ScriptedBrain
) -> None:
    result = runner.invoke(app, ["chat"], input="hello\n")

    assert result.exit_code == 0, result.output
    assert "ended: answered" in result.output


def test_chat_refuses_an_unknown_language(engine: Engine, practice: None) -> None:
    result = runner.invoke(app, ["chat", "--lang", "fr"], input="")

    assert result.exit_code == 2
    assert "not one of en, es" in result.output


def test_understand_prints_json(engine: Engine) -> None:
    result = runner.invoke(
        app,
        [
            "understand",
            "--lang",
            "es",
            "--now",
            "2026-03-04T10:00:00-08:00",
            "el próximo martes a las 3 de la tarde",
        ],
    )

    assert result.exit_code == 0, result.output
    understood = json.loads(result.output)
    assert understood["dates"] == ["2026-03-10"]
    assert understood["times"] == ["15:00"]


def test_understand_batch_reads_json_lines(engine: Engine) -> None:
    lines = "\n".join(
        [
            json.dumps({"text": "12/31/68", "awaiting": "dob", "now": "2026-03-04T10:00:00-08:00"}),
            json.dumps({"text": "hola", "lang": "es"}),
        ]
    )

    result = runner.invoke(app, ["understand", "--batch"], input=lines + "\n")

    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["dob"] == "1968-12-31"
    assert second["language"] == "es"


def test_understand_wants_text_or_batch() -> None:
    result = runner.invoke(app, ["understand"])

    assert result.exit_code == 2
