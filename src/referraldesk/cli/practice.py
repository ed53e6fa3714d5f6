"""`referraldesk practice ...`: configure the practice from YAML, or write it back out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from referraldesk.cli.common import cli_session

if TYPE_CHECKING:
    from referraldesk.practice.problems import ConfigError
    from referraldesk.practice.report import LoadReport

practice_app = typer.Typer(
    help="Configure the practice (sites, hours, providers, plans, services) from one YAML file.",
    no_args_is_help=True,
)


FileArgument = Annotated[
    Path | None,
    typer.Argument(metavar="FILE", help="The practice file (YAML). Leave out with --demo.",
                   dir_okay=False),
]
DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Load the demo practice in Visalia, CA, with patients, bookings and referrals.",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="With --demo: the day the demo calendar is built around (YYYY-MM-DD); "
        "default: today on the practice clock.",
    ),
]
ReplaceOption = Annotated[
    bool,
    typer.Option(
        "--replace",
        help="With --demo: load the demo even when the database already holds a practice, "
        "overwriting what staff changed since (providers, hours, policy ...).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file instead of standard output.", dir_okay=False
    ),
]


@practice_app.command("load")
def load(
    file: FileArgument = None,
    demo: DemoOption = False,
    today: TodayOption = None,
    replace: ReplaceOption = False,
) -> None:
    """Check a practice file and apply it; loading the same file twice changes nothing.

    Every mistake is printed as `FILE: path: reason`; when there is any, nothing is
    applied and the command exits with status 1. With --demo, a database that already
    holds a practice is left as it is unless --replace is given.
    """
    from referraldesk.practice.loader import load_demo, load_file, practice_on_file
    from referraldesk.practice.problems import ConfigError

    if demo == (file is not None):
        raise typer.BadParameter("give either a practice FILE or --demo, not both or neither")
    if today is not None and not demo:
        raise typer.BadParameter("--today only applies with --demo", param_hint="--today")
    if replace and not demo:
        raise typer.BadParameter("--replace only applies with --demo", param_hint="--replace")
    day = _parse_day(today)
    if file is not None:
        _check_first(file)
    with cli_session() as session:
        # `make run` loads the demo on every start: staff's changes on the dashboard
        # since the first start must survive it.
        if demo and not replace and (name := practice_on_file(session)) is not None:
            typer.echo(
                f"the database already holds the practice {name!r}; kept as it is "
                "(use --replace to load the demo over it)"
            )
            return
        try:
            report = load_demo(session, day) if demo else load_file(session, file or Path())
        except ConfigError as exc:
            _print_problems(exc)
            raise typer.Exit(1) from exc
        _print_report(report)


@practice_app.command("export")
def export_command(output: OutputOption = None) -> None:
    """Write the practice's configuration as YAML that `practice load` takes back unchanged."""
    from referraldesk.practice.exporter import export

    with cli_session() as session:
        text = export(session)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date; write it as YYYY-MM-DD", param_hint="--today"
        ) from exc


def _check_first(file: Path) -> None:
    from referraldesk.practice.problems import ConfigError
    from referraldesk.practice.validate import read_config

    # Check before opening the database: a broken file should not need a reachable one.
    try:
        read_config(file)
    except ConfigError as exc:
        _print_problems(exc)
        raise typer.Exit(1) from exc


def _print_problems(error: ConfigError) -> None:
    for line in error.lines():
        typer.echo(line, err=True)
    count = len(error.problems)
    typer.secho(
        f"{count} problem{'s' if count != 1 else ''} in {error.source}; nothing was applied",
        err=True,
        fg=typer.colors.RED,
    )


def _print_report(report: LoadReport) -> None:
    typer.echo(report.summary())


def register(app: typer.Typer) -> None:
    app.add_typer(practice_app, name="practice")
