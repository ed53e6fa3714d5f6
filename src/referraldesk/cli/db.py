"""`referraldesk db ...`: the database schema."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Create or update the database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", metavar="REVISION", help="Alembic revision to reach."),
) -> None:
    """Apply migrations to REFERRALDESK_DATABASE_URL (default: the SQLite file under var/)."""
    from referraldesk.db import migrate
    from referraldesk.settings import get_settings

    url = get_settings().database_url
    migrate.upgrade(url, revision)
    typer.echo(f"database is at {revision}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
