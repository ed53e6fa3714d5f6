"""`referraldesk audit verify`: prove the audit trail was not edited, removed or reordered."""

from __future__ import annotations

import typer

from referraldesk.cli.common import cli_session

audit_app = typer.Typer(help="The HIPAA audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Check every record's hash and its link to the one before; exit 1 on any break."""
    from referraldesk.audit import trail

    with cli_session() as session:
        problems = list(trail.verify(session))
        count = session.query(trail.AuditEvent).count()
    for problem in problems:
        typer.echo(f"record {problem.seq}: {problem.problem}")
    if problems:
        typer.secho(f"{len(problems)} problem(s) in {count} audit records", err=True,
                    fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.echo(f"the audit trail holds: {count} records, each chained to the one before")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
