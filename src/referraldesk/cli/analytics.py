"""`referraldesk analytics ...`: re-score conversation history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import typer

from referraldesk.cli.common import cli_session, fail

analytics_app = typer.Typer(help="Post-conversation analytics.", no_args_is_help=True)


@analytics_app.command("rerun")
def rerun(
    since: str | None = typer.Option(
        None, help="Only conversations started on or after this date (YYYY-MM-DD)."
    ),
    analyzer: str | None = typer.Option(
        None, help="embedded or llm (default: REFERRALDESK_ANALYZER, else embedded)."
    ),
) -> None:
    """Analyse every ended conversation again; the new analysis becomes the current one."""
    from referraldesk.analytics.service import (
        analyze_and_store,
        choose_analyzer,
        ended_conversation_ids,
    )

    start = _parse_since(since)
    try:
        chosen = choose_analyzer(analyzer)
    except ValueError as exc:
        fail(str(exc))
        return
    with cli_session() as session:
        ids = ended_conversation_ids(session, start)
    if not ids:
        typer.echo("no ended conversations to analyse")
        return
    with typer.progressbar(ids, label=f"analysing {len(ids)} conversations") as progress:
        for conversation_id in progress:
            # One transaction each: a bad record fails alone, not the whole run.
            with cli_session() as session:
                analyze_and_store(session, conversation_id, chosen)
    typer.echo(f"analysed {len(ids)} conversations with {chosen.name} {chosen.version}")


def _parse_since(since: str | None) -> datetime | None:
    if since is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(since), time.min, UTC)
    except ValueError:
        fail(f"--since {since!r} is not a date like 2026-03-01")
        return None


def register(app: typer.Typer) -> None:
    app.add_typer(analytics_app, name="analytics")
