"""Alembic environment: one schema for SQLite and PostgreSQL, from the models."""

from __future__ import annotations

from alembic import context

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk.db.base import Base
from referraldesk.db.encrypted import is_encrypted
from referraldesk.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()



def _render_item(kind: str, obj: object, _context: object) -> str | bool:
    # Encrypted columns are plain text to the database; keep the migration free of the keyring.
    if kind == "type" and is_encrypted(obj):
        return "sa.Text()"
    return False


run_migrations()
