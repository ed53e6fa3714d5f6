"""`referraldesk understand`: what the engine understood of a caller's words, as JSON."""

from __future__ import annotations

import json
import sys

import typer


def understand(
    text: str | None = typer.Argument(None, metavar="TEXT", help="The caller's words."),
    lang: str | None = typer.Option(None, "--lang", help="en or es; default: detect."),
    now: str | None = typer.Option(
        None, "--now", help="The instant the words were said (ISO 8601)."
    ),
    awaiting: str | None = typer.Option(
        None, "--awaiting", help="What the agent had just asked for."
    ),
    batch: bool = typer.Option(
        False,
        "--batch",
        help="Read stdin instead: one utterance per line, in plain text, or a JSON object "
        '{"text", "lang"?, "now"?, "awaiting"?} whose fields win over the options.',
    ),
) -> None:
    """Print the understanding of TEXT (or of each stdin line with --batch) as JSON, one
    object a line; a batch line that cannot be read gives {"error": "line N: ..."}."""
    from referraldesk.understanding.cli_support import understand_batch, understand_json

    if batch == (text is not None):
        raise typer.BadParameter("give either TEXT or --batch (lines on stdin), not both")
    if batch:
        for result in understand_batch(sys.stdin, lang, now, awaiting):
            typer.echo(json.dumps(result, ensure_ascii=False))
        return
    try:
        result = understand_json(text or "", lang, now, awaiting)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{now!r} is not an ISO 8601 instant: {exc}", param_hint="--now"
        ) from exc
    typer.echo(json.dumps(result, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("understand")(understand)
