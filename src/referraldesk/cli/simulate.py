"""`referraldesk simulate CASE.yaml...`: play caller cases and print a line for each."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from referraldesk.cli.common import configure_logging

if TYPE_CHECKING:
    from referraldesk.simulation.player import CaseResult


def simulate(
    cases: Annotated[
        list[Path],
        typer.Argument(
            metavar="CASE.yaml",
            help="Caller case files (YAML).", exists=True, dir_okay=False, readable=True
        ),
    ],
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print each transcript."),
) -> None:
    """Play each case in a fresh practice; exit 1 if any fails."""
    from referraldesk.errors import DomainError
    from referraldesk.settings import get_settings
    from referraldesk.simulation import load_case, play_case

    # Case logs would drown the result lines; warnings and errors still show.
    configure_logging("WARNING", json=get_settings().log_json)
    failed = 0
    for path in cases:
        try:
            result = play_case(load_case(path))
        except DomainError as exc:
            typer.echo(f"FAIL {path.stem}  {exc.message}")
            failed += 1
            continue
        typer.echo(result.line())
        if verbose:
            _print_transcript(result)
        failed += not result.passed
    if failed:
        raise typer.Exit(1)


def _print_transcript(result: CaseResult) -> None:
    for note in result.notes:
        typer.echo(f"    note: {note}")
    for line in result.transcript:
        who = "agent " if line.speaker == "agent" else "caller"
        typer.echo(f"    {who}: {line.text}")
        details = []
        if line.speaker == "agent":
            details.append(f"awaiting={line.awaiting}")
        details += [f"option: {label}" for label in line.options]
        details += [f"action: {action}" for action in line.actions]
        for detail in details:
            typer.echo(f"            [{detail}]")


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
