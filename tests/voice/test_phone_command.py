"""`referraldesk phone`: a call in the terminal through the signed webhooks."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from referraldesk.cli import app
from referraldesk.cli import phone as phone_command
from referraldesk.db.session import session_factory
from referraldesk.models import Conversation
from referraldesk.settings import reset_settings_cache

NOW = "2026-05-11T09:15:00-07:00"


@pytest.fixture(autouse=True)
def _logging_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(phone_command, "configure_logging", lambda *_, **__: None)


def run(*args: str, lines: str) -> str:
    result = CliRunner().invoke(app, ["phone", "--now", NOW, *args], input=lines)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_terminal_call_reaches_the_agent_and_keys_work(engine: Engine) -> None:
    output = run(
        "--from", "+15595550117", lines="I need an appointment\nDaniel Ortega\n#11221979\nbye\n"
    )

    assert "agent: Hi, thanks for contacting Sequoia Valley Occupational Health." in output
    assert "agent: I have November 22, 1979. Thank you, I found the record." in output
    assert output.rstrip().endswith("[call ended]")
    with session_factory(engine)() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert (conversation.channel, conversation.status) == ("voice", "ended")


def test_lang_es_picks_spanish_on_the_streaming_transport(engine: Engine) -> None:
    output = run("--lang", "es", "--transport", "streaming", lines="necesito una cita\n")

    assert "[caller presses 2]" in output
    assert "agent: Claro, seguimos en español. ¿En qué le puedo ayudar?" in output
    assert "[language: es-MX]" in output


def test_a_transfer_asks_how_the_staff_line_answered(engine: Engine) -> None:
    output = run(lines="I want to talk to a person\nbusy\n")

    assert "[ringing the staff line +15595550601]" in output
    assert "agent: I'm sorry, no one could take your call just now." in output


def test_without_a_configured_token_it_signs_with_a_throwaway_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFERRALDESK_TWILIO_AUTH_TOKEN")
    reset_settings_cache()

    output = run(lines="bye\n")

    assert "agent: Hi, thanks for contacting" in output


def test_an_unknown_transport_is_refused(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["phone", "--transport", "carrier-pigeon"])

    assert result.exit_code == 2
    assert "carrier-pigeon" in result.output


@pytest.mark.parametrize(
    ("configured", "flag", "expected"),
    [
        ("streaming", None, "streaming"),
        ("turn_based", None, "turn"),
        ("streaming", "turn", "turn"),
    ],
)
def test_the_transport_is_the_practices_unless_the_flag_names_one(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    configured: str,
    flag: str | None,
    expected: str,
) -> None:
    from types import SimpleNamespace

    from referraldesk.practice import policy
    from referraldesk.voice import simulated_call

    used: list[str] = []

    class RecordingCall(simulated_call.SimulatedCall):
        def __init__(self, *args: object, transport: str, **kwargs: object) -> None:
            used.append(transport)
            super().__init__(*args, transport=transport, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(policy, "current_policy", lambda _: SimpleNamespace(
        voice_transport=configured))
    monkeypatch.setattr(simulated_call, "SimulatedCall", RecordingCall)

    run(*(["--transport", flag] if flag else []), lines="bye\n")

    assert used == [expected]
