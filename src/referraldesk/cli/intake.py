"""`referraldesk intake list|replay`: the intake queue from the command line.

`list` shows messages (newest first) with their status and error; `replay ID`
runs a failed message again (as it was, or with `--body-file`), and for a PDF
confirms its fields, with `--field name=value` for each correction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from referraldesk.cli.common import cli_actor, cli_session, fail, start_clock

# Who the terminal acts as in the audit trail.
CLI_ACTOR = ("system:cli", "coordinator")
NowOption = Annotated[str | None, typer.Option("--now", help="Start the clock at this instant.")]

intake_app = typer.Typer(help="The intake queue: list messages; replay a failed one, or confirm "
                         "a PDF's fields (intake replay ID --field name=value).",
                         no_args_is_help=True)


@intake_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="needs_review, failed, applied, ...")] = None,
    channel: Annotated[str | None, typer.Option(help="pdf, csv, fhir, hl7_http, ...")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many messages.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """Intake messages, newest first: id, channel, status, sender and what is wrong."""
    from referraldesk.intake import queue
    from referraldesk.intake.pdf.views import message_view

    with cli_session() as session:
        views = [message_view(message) for message in
                 queue.list_messages(session, status=status, channel=channel, limit=limit)]
    for view in views:
        if as_json:
            typer.echo(json.dumps(view, ensure_ascii=False))
        else:
            problem = (view["error"] or "").replace("\n", "; ")
            typer.echo(f"{view['id']}  {view['channel']:<8} {view['status']:<12} "
                       f"{view['sender'] or ''}  {problem}".rstrip())
    if not views:
        typer.echo("no intake messages", err=True)


def _corrections(fields: list[str]) -> dict[str, str]:
    corrections = {}
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(f"--field {item!r} is not name=value (for example --field patient_dob=1988-03-14)")
        corrections[name.strip()] = value
    return corrections


@intake_app.command("replay")
def replay_command(
    message_id: Annotated[str, typer.Argument(metavar="MESSAGE_ID",
                                              help="The id `intake list` shows.")],
    body_file: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="A corrected message (HL7, FHIR, CSV row).")] = None,
    field: Annotated[list[str] | None, typer.Option(
        help="A PDF's corrected field, name=value; repeat for more.")] = None,
    now: NowOption = None,
) -> None:
    """Replay a failed message, or confirm a PDF's fields; prints what happened as JSON."""
    from referraldesk.intake import queue
    from referraldesk.intake.pdf import review
    from referraldesk.intake.pdf.views import outcome_view

    start_clock(now)
    with cli_session() as session:
        message = queue.get_message(session, message_id)
        if message.channel == "pdf":
            if body_file is not None:
                fail("a PDF is confirmed with --field name=value corrections, not --body-file")
            corrections = _corrections(field or [])
            outcome = review.confirm(session, cli_actor(*CLI_ACTOR), message_id, corrections)
        else:
            if field:
                fail(f"message {message_id} came by {message.channel}; correct it with "
                     "--body-file, not --field")
            body = body_file.read_text(encoding="utf-8") if body_file else None
            outcome = queue.replay(session, cli_actor(*CLI_ACTOR), message_id, body)
        view = outcome_view(outcome)
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
    if not view["applied"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(intake_app, name="intake")
