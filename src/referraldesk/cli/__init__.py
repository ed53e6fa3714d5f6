"""The `referraldesk` command. Each module here adds its commands with `register(app)`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

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


# A paragraph with a line like "1. ..." or "- ..." is a list: its lines stay.
_LIST_LINE = re.compile(r"^(\d+\.|-) ")


def _reflow(text: str) -> str:
    """Each paragraph on one line. Rich prints a help text's line breaks as they are, so a
    docstring wrapped at 100 columns would break twice on an 80-column terminal; Rich
    wraps one-line paragraphs to the terminal itself."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        paragraph if any(_LIST_LINE.match(line) for line in paragraph.splitlines())
        else " ".join(line.strip() for line in paragraph.splitlines())
        for paragraph in paragraphs
    )


def _reflow_help(group: typer.Typer) -> None:
    for command in group.registered_commands:
        command.help = _reflow(command.help or inspect.getdoc(command.callback) or "")
        if command.epilog:
            command.epilog = _reflow(command.epilog)
    for subgroup in group.registered_groups:
        _reflow_help(subgroup.typer_instance)


_register_all()
_reflow_help(app)


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
