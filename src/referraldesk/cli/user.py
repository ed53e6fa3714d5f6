"""`referraldesk user ...`: dashboard logins (create, list, deactivate, set a password)."""

from __future__ import annotations

import sys

import typer

from referraldesk.cli.common import cli_session, fail

user_app = typer.Typer(help="Create and manage dashboard logins.", no_args_is_help=True)

# auth.users.DASHBOARD_ROLES, named here so `--help` needs no import of the application
# (a test keeps the two the same).
DASHBOARD_ROLES = ("admin", "staff", "coordinator", "auditor")
PASSWORD_STDIN_HELP = "Read the password from the first line of standard input (scripts)."


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            fail("--password-stdin was given but standard input held no password")
        return line.rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("create")
def create(
    email: str = typer.Argument(..., metavar="EMAIL", help="The login, e.g. ana@valleclinic.org."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(DASHBOARD_ROLES)}."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_STDIN_HELP),
    exist_ok: bool = typer.Option(
        False, "--exist-ok", help="Succeed without changes when the user already exists (demos)."
    ),
) -> None:
    """Create a dashboard login; the password is asked for twice, or read from stdin."""
    from referraldesk.auth import users

    password = _read_password(password_stdin)
    with cli_session() as session:
        if exist_ok and users.find_user(session, email) is not None:
            typer.echo(f"dashboard user {users.normalize_email(email)} already exists; unchanged")
            return
        user = users.create_user(session, email=email, role=role, password=password)
        line = f"dashboard user {user.email} ({user.role}) created; sign in at /admin/login"
    typer.echo(line)


@user_app.command("list")
def list_users() -> None:
    """One line per dashboard user: email, role, active or not, last sign-in."""
    from sqlalchemy import select

    from referraldesk.models import User

    with cli_session() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            seen = user.last_login_at
            last = seen.isoformat(timespec="minutes") if seen else "never"
            state = "active" if user.active else "deactivated"
            typer.echo(f"{user.email:<40} {user.role:<12} {state:<12} last sign-in {last}")


@user_app.command("deactivate")
def deactivate(
    email: str = typer.Argument(..., metavar="EMAIL", help="The login to refuse from now on."),
) -> None:
    """Refuse a user's sign-ins and end their open sessions at once."""
    from referraldesk.auth import sessions, users

    with cli_session() as session:
        user = users.deactivate_user(session, email)
        ended = sessions.end_sessions_of(session, user.id)
    address = users.normalize_email(email)
    typer.echo(f"dashboard user {address} deactivated; {ended} session(s) ended")


@user_app.command("set-password")
def set_password(
    email: str = typer.Argument(..., metavar="EMAIL", help="The login whose password changes."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_STDIN_HELP),
) -> None:
    """Give a user a new password; their open sessions end."""
    from referraldesk.auth import sessions, users

    password = _read_password(password_stdin)
    with cli_session() as session:
        user = users.find_user(session, email)
        if user is None:
            fail(f"no dashboard user {users.normalize_email(email)}; see `referraldesk user list`")
            return
        users.set_password(session, user.id, password)
        sessions.end_sessions_of(session, user.id, reason="password")
    typer.echo(f"password of {users.normalize_email(email)} changed")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
