"""The `referraldesk` command. Each module here adds its commands with `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil

import typer

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
    app()
