"""`referraldesk keys ...`: the encryption keys that protect PHI at rest (db/crypto.py)."""

from __future__ import annotations

import typer

from referraldesk.cli import common

keys_app = typer.Typer(help="Encryption keys for PHI at rest: make one, rotate to a new one.",
                       no_args_is_help=True)

ROTATION_STEPS = """\
With no downtime (restart instances one at a time after each change):
  1. referraldesk keys generate: the new key
  2. everywhere, add it to REFERRALDESK_ENCRYPTION_OLD_KEYS: every instance can read it
  3. everywhere, make it REFERRALDESK_ENCRYPTION_KEY and keep the current one in the old keys
  4. referraldesk keys rotate: safe to stop and run again
  5. remove the old key from REFERRALDESK_ENCRYPTION_OLD_KEYS
"""

@keys_app.command("generate")
def generate() -> None:
    """Print a new random key for REFERRALDESK_ENCRYPTION_KEY (nothing is stored)."""
    from referraldesk.db.crypto import generate_key

    typer.echo(generate_key())


@keys_app.command("rotate", epilog=ROTATION_STEPS)
def rotate(
    batch: int = typer.Option(500, "--batch", min=1, max=100_000,
                              help="Rows per transaction; smaller holds row locks for less."),
) -> None:
    """Re-encrypt every PHI value still under an old key with REFERRALDESK_ENCRYPTION_KEY.

    Runs beside the application, a short transaction per batch, and resumes where it
    stopped when run again.
    """
    from referraldesk.db.crypto import KeyringError, get_keyring
    from referraldesk.db.rotation import rotate_all
    from referraldesk.settings import get_settings

    settings = get_settings()
    common.configure_logging(settings.log_level, json=settings.log_json)
    try:
        keyring = get_keyring()
        typer.echo(f"rotating to key id {keyring.primary_id}, {batch} rows a batch")
        rotated = rotate_all(batch_size=batch, on_batch=_show_progress)
    except KeyringError as exc:
        common.fail(str(exc))
    total = sum(rotated.values())
    typer.echo(f"done: {total} rows re-encrypted; every value is now under key id "
               f"{keyring.primary_id}, and the old keys can be removed")


def _show_progress(table: str, rotated: int, remaining: int) -> None:
    typer.echo(f"  {table}: {rotated} rotated, {remaining} to go")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
