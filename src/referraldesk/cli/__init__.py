"""The `referraldesk` command. Each module here adds its commands with `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil

import typer
from pydantic import ValidationError

app = typer.Typer(
    name="referraldesk",
    help="referraldesk: a bilingual AI front desk that closes the loop on specialist referrals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    try:
        app()
    except ValidationError as error:
        if error.title != "Settings":
            raise
        # A setting from the environment or .env is wrong: say which, not a traceback.
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            if problem["loc"] and f"REFERRALDESK_{problem['loc'][0]}".upper() not in message:
                message = f"REFERRALDESK_{str(problem['loc'][0]).upper()}: {message}"
            typer.echo(f"configuration error: {message}", err=True)
        raise SystemExit(2) from None
