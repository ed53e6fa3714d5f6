"""What every command shares: settings, the database, the clock, clean errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from referraldesk.clock import parse_instant, set_now
from referraldesk.db.session import session_scope
from referraldesk.errors import DomainError
from referraldesk.logging import configure_logging
from referraldesk.settings import get_settings


def start_clock(now_iso: str | None) -> None:
    if now_iso:
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
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    try:
        with session_scope() as session:
            yield session
    except DomainError as exc:
        fail(exc.message)
