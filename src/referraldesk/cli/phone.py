"""`referraldesk phone`: a phone call in the terminal, through the real voice webhooks.

Each line is what the caller says; `#123` presses keys, an empty line is silence
(turn-based), `bye` or end of input hangs up. The requests are signed with the
configured Twilio auth token (or a throwaway one this process sets for itself), so
the call goes through exactly the handlers, checks and TwiML a Twilio call does.
When the agent rings the staff line, type how that ended: completed, busy,
no-answer or failed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

import typer

from referraldesk.cli.common import configure_logging, fail, start_clock

if TYPE_CHECKING:
    from referraldesk.voice.simulated_call import Heard, SimulatedCall

# The voice transports (voice.simulated_call.TRANSPORTS, named here so `--help` needs no
# import of the voice package).
TRANSPORTS = ("turn", "streaming")

HANG_UPS = frozenset({"bye", "goodbye", "adios", "adiós", "exit", "quit"})
DIAL_RESULTS = ("completed", "busy", "no-answer", "failed")


def phone(
    lang: str = typer.Option("en", "--lang", help="Pick this language at the greeting: en or es."),
    now: str | None = typer.Option(
        None, "--now", help="Start the practice clock at this ISO 8601 instant and let it run."
    ),
    transport: str | None = typer.Option(
        None, "--transport",
        help="turn (Gather) or streaming (ConversationRelay); default: the practice's "
        "voice_transport.",
    ),
    caller: str = typer.Option("+15595550123", "--from", help="The caller id to present."),
) -> None:
    """Play a phone call to the practice in the terminal (Ctrl-D or "bye" hangs up)."""
    if lang not in ("en", "es"):
        raise typer.BadParameter(f"{lang!r} is not one of en, es", param_hint="--lang")
    if transport is not None and transport not in TRANSPORTS:
        raise typer.BadParameter(
            f"{transport!r} is not one of turn, streaming", param_hint="--transport"
        )
    from referraldesk.db.session import get_engine
    from referraldesk.errors import DomainError
    from referraldesk.settings import get_settings
    from referraldesk.voice.simulated_call import SimulatedCall, open_app

    start_clock(now)
    # Event logs would interleave with the call; warnings still show.
    configure_logging("WARNING", json=get_settings().log_json)
    try:
        chosen = transport or _practice_transport()
        call = SimulatedCall(open_app(get_engine()), transport=chosen, caller=caller)
        _show(call.dial())
        if lang == "es" and not call.ended:
            typer.echo("[caller presses 2]")
            _show(call.press("2"))
        _converse(call, sys.stdin)
        call.hang_up()
    except DomainError as exc:
        fail(exc.message)
    typer.echo("[call ended]")


def _practice_transport() -> str:
    """The transport the practice's calls use (policy `voice_transport`), as Twilio would."""
    from referraldesk.db.session import session_scope
    from referraldesk.practice.policy import current_policy

    with session_scope() as session:
        return "streaming" if current_policy(session).voice_transport == "streaming" else "turn"


def _converse(call: SimulatedCall, lines: TextIO) -> None:
    prompt = sys.stdin.isatty()
    while not call.ended:
        if prompt:
            typer.echo("caller> ", nl=False)
        line = lines.readline()
        if not line or line.strip().lower() in HANG_UPS:
            return
        heard = _act(call, line.strip())
        _show(heard)
        if heard.dialed:
            _show(call.transfer_result(_dial_result(lines, prompt)))


def _act(call: SimulatedCall, words: str) -> Heard:
    if words.startswith("#") and words[1:]:
        return call.press(words[1:])
    if not words and call.transport == "turn":
        return call.stay_silent()
    return call.say(words or "...")


def _dial_result(lines: TextIO, prompt: bool) -> str:
    while True:
        if prompt:
            typer.echo(f"staff line ({', '.join(DIAL_RESULTS)})> ", nl=False)
        answer = lines.readline().strip() or "no-answer"
        if answer in DIAL_RESULTS:
            return answer
        typer.echo(f"type one of: {', '.join(DIAL_RESULTS)}")


def _show(heard: Heard) -> None:
    typer.echo(f"agent: {heard.text}")
    if heard.language:
        typer.echo(f"[language: {heard.language}]")
    if heard.dialed:
        typer.echo(f"[ringing the staff line {heard.dialed}]")
    if heard.ended:
        typer.echo("[the agent hung up]")


def register(app: typer.Typer) -> None:
    app.command("phone")(phone)
