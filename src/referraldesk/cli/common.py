"""What every command shares: settings, the database, the clock, clean errors.

Every `referraldesk` call imports all command modules (to list them in `--help`), so
this module and the command modules import the application (SQLAlchemy, the models,
FastAPI, ...) only inside the functions that run a command: `--help` stays quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from referraldesk.audit.trail import Actor


def configure_logging(level: str, *, json: bool) -> None:
    """The application's logging set-up, imported when a command first needs it."""
    from referraldesk.logging import configure_logging as configure

    configure(level, json=json)


def cli_actor(name: str, role: str) -> Actor:
    """Who a command acts as in the audit trail."""
    from referraldesk.audit.trail import Actor

    return Actor(name=name, role=role)


def start_clock(now_iso: str | None) -> None:
    if now_iso:
        from referraldesk.clock import parse_instant, set_now

        try:
            set_now(parse_instant(now_iso))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--now") from exc


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@contextmanager
def cli_session() -> Iterator[Session]:
    """A unit of work for one command; domain errors become one clear line."""
    from referraldesk.db.session import session_scope
    from referraldesk.errors import DomainError
    from referraldesk.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    try:
        with session_scope() as session:
            yield session
    except DomainError as exc:
        fail(exc.message)
