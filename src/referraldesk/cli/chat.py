"""`referraldesk chat`: talk to the agent in the terminal, through the same runtime.

Works piped as well as interactive: each line of stdin is one caller message; a
number picks one of the options just offered; "bye", "adiós" or end of input ends
the conversation. Each turn is its own transaction, as on the web.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

import typer

from referraldesk.cli.common import configure_logging, fail, start_clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from referraldesk.conversation.turn import AgentTurn

GOODBYES = frozenset({"bye", "goodbye", "adios", "adiós", "exit", "quit"})


@contextmanager
def _turn() -> Iterator[Session]:
    """One turn's transaction; a domain error ends the chat with its message."""
    from referraldesk.db.session import session_scope
    from referraldesk.errors import DomainError

    try:
        with session_scope() as session:
            yield session
    except DomainError as exc:
        fail(exc.message)


def chat(
    lang: str | None = typer.Option(None, "--lang", help="Language to start in: en or es."),
    now: str | None = typer.Option(
        None, "--now", help="Start the practice clock at this ISO 8601 instant and let it run."
    ),
    phone: str | None = typer.Option(None, "--phone", help="Caller id to present, E.164."),
) -> None:
    """Talk to the agent in the terminal (Ctrl-D or "bye" ends)."""
    from referraldesk.conversation import runtime
    from referraldesk.settings import get_settings

    if lang is not None and lang not in runtime.LANGUAGES:
        raise typer.BadParameter(f"{lang!r} is not one of en, es", param_hint="--lang")
    start_clock(now)
    # Event logs would interleave with the conversation; warnings still show.
    configure_logging("WARNING", json=get_settings().log_json)
    with _turn() as session:
        conversation, greeting = runtime.start_conversation(
            session, "terminal", language=lang, caller_phone=phone
        )
        conversation_id = conversation.id
    _show(greeting)
    _converse(conversation_id, sys.stdin)
    # Whoever ended it, the agent or the caller: ending twice is harmless.
    with _turn() as session:
        ended = runtime.end_conversation(session, conversation_id)
        typer.echo(f"[conversation {ended.id} ended: {ended.outcome}]")


def _converse(conversation_id: str, lines: TextIO) -> None:
    """Play stdin until the caller leaves or the agent ends the conversation."""
    from referraldesk.conversation import runtime

    prompt = sys.stdin.isatty()
    while True:
        if prompt:
            typer.echo("> ", nl=False)
        line = lines.readline()
        if not line or line.strip().lower() in GOODBYES:
            return
        if not line.strip():
            continue
        with _turn() as session:
            turn = runtime.handle_message(session, conversation_id, line)
        _show(turn)
        if any(action.type == "end" for action in turn.actions):
            return


def _show(turn: AgentTurn) -> None:
    from referraldesk.channels.text import as_text

    typer.echo(as_text(turn, with_hint=False))
    for action in turn.actions:
        if action.type in ("transfer", "emergency"):
            typer.echo(f"[{action.type}{': ' + action.reason if action.reason else ''}]")


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
