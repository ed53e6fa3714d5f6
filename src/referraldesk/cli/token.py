"""`referraldesk token ...`: API tokens for integrations and staff scripts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import typer

from referraldesk.cli.common import cli_session
from referraldesk.clock import now
from referraldesk.errors import InvalidArgument

if TYPE_CHECKING:
    from referraldesk.models import ApiToken

# models.ROLES, named here so `--help` needs no import of the models (a test keeps the
# two the same).
ROLES = ("admin", "staff", "coordinator", "auditor", "integration")

token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@token_app.command("create")
def create(
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    name: str = typer.Option(..., "--name", help="Who uses it, e.g. 'valley-ehr'."),
    expires_in: str | None = typer.Option(
        None, "--expires-in", help="How long it works, e.g. 90d, 12h, 2w; default: never."
    ),
    expires_days: int | None = typer.Option(
        None, "--expires-days", min=1, max=3650, help="Days until it stops working (older form)."
    ),
) -> None:
    """Print a new token. It is shown once and stored only as a hash."""
    from referraldesk.auth import tokens

    with cli_session() as session:
        expires_at = _expiry(expires_in, expires_days)
        token, secret = tokens.create_token(session, name=name, role=role, expires_at=expires_at)
        token_id = token.id
    typer.echo(secret)
    typer.echo(
        f"token {token_id} ({role}) created; store it now, it cannot be shown again", err=True
    )


def _expiry(expires_in: str | None, expires_days: int | None) -> datetime | None:
    if expires_in is not None and expires_days is not None:
        raise InvalidArgument("give --expires-in or --expires-days, not both", field="expires_in")
    if expires_in is not None:
        from referraldesk.auth import tokens

        return now() + tokens.parse_lifetime(expires_in)
    return now() + timedelta(days=expires_days) if expires_days else None


@token_app.command("list")
def list_tokens() -> None:
    """One line per token: id, role, name, prefix, expiry, whether revoked."""
    from sqlalchemy import select

    from referraldesk.models import ApiToken

    current = now()
    with cli_session() as session:
        for token in session.scalars(select(ApiToken).order_by(ApiToken.created_at)):
            expires = (
                token.expires_at.isoformat(timespec="minutes") if token.expires_at else "never"
            )
            state = _state(token, current)
            typer.echo(
                f"{token.id}  {token.role:<12} {token.name:<24} {token.prefix}…  "
                f"expires {expires}  {state}"
            )


def _state(token: ApiToken, current: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= current:
        return "expired"
    return "active"


@token_app.command("revoke")
def revoke(token_id: str = typer.Argument(..., metavar="TOKEN_ID",
                                                  help="The id `token list` shows.")) -> None:
    """Stop a token from working at once."""
    from referraldesk.auth import tokens

    with cli_session() as session:
        tokens.revoke(session, token_id)
    typer.echo(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
