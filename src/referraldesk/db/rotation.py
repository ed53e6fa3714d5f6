"""Key rotation: re-encrypt every PHI value under the primary key while the app runs.

Each batch is its own short transaction: it locks at most `batch_size` rows still
written under an old key, rewrites their encrypted columns (now under the primary
key) and their blind indexes, and commits. The application keeps reading and
writing between batches, since it knows every key on the ring and its look-ups ask
for the index under each (db/crypto.py). A row is "still old" when its ciphertext
does not start with the primary key's id, so a stopped rotation resumes where it
was and a finished one finds nothing to do.

Rows are updated with Core, not the ORM, so `updated_at`-style columns keep their
values: rotating a key is not an edit of the referral.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, Table, Text, and_, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import KeyedColumnElement

# Every table must be mapped before the registry is walked: a command that imported
# no model would otherwise find nothing to rotate and call the old keys free to go.
import referraldesk.models  # noqa: F401 - registers every table
from referraldesk.db.base import Base
from referraldesk.db.crypto import get_keyring
from referraldesk.db.encrypted import is_encrypted
from referraldesk.db.session import session_scope
from referraldesk.logging import get_logger

log = get_logger(__name__)

# (table name, rows rotated in this table so far, rows of it still to rotate)
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class EncryptedTable:
    table: Table
    columns: tuple[KeyedColumnElement[Any], ...]
    index_functions: dict[str, Callable[[Any], str | None]]

    @property
    def name(self) -> str:
        return self.table.name


def encrypted_tables() -> list[EncryptedTable]:
    """Every mapped table with at least one encrypted column, in a stable order."""
    found = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        columns = tuple(column for column in table.columns if is_encrypted(column.type))
        if columns and isinstance(table, Table):
            indexes = dict(getattr(mapper.class_, "__blind_indexes__", {}))
            found.append(EncryptedTable(table, columns, indexes))
    return sorted(found, key=lambda item: item.name)


def count_stale(session: Session, target: EncryptedTable) -> int:
    """Rows of `target` holding any value not under the primary key."""
    return session.scalar(select(func.count()).select_from(target.table).where(_stale(target))) or 0


def rotate_batch(session: Session, target: EncryptedTable, batch_size: int) -> int:
    """Rewrite up to `batch_size` stale rows of `target` under the primary key; flushes."""
    key = target.table.primary_key.columns.values()[0]
    preserved = [column for column in target.table.columns if column.onupdate is not None]
    # FOR UPDATE: an app request changing one of these rows between our read and our
    # write would otherwise have its change overwritten with the old plaintext.
    rows = session.execute(
        select(key, *target.columns, *preserved)
        .where(_stale(target))
        .order_by(key)
        .limit(batch_size)
        .with_for_update()
    ).mappings().all()
    for row in rows:
        values = _rewritten(target, row, preserved)
        session.execute(update(target.table).where(key == row[key.key]).values(values))
    return len(rows)


def rotate_all(
    engine: Engine | None = None,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    on_batch: ProgressCallback | None = None,
) -> dict[str, int]:
    """Rotate every encrypted table; returns rows rotated per table.

    `max_batches` stops early (the next run resumes); `on_batch` hears of each batch.
    """
    rotated: dict[str, int] = {}
    batches = 0
    for target in encrypted_tables():
        rotated[target.name] = 0
        # Counted once: the app writes new rows under the primary key, so none turn stale.
        with session_scope(engine) as session:
            stale_at_start = count_stale(session, target)
        while stale_at_start and (max_batches is None or batches < max_batches):
            with session_scope(engine) as session:
                done = rotate_batch(session, target, batch_size)
            if not done:
                break
            batches += 1
            rotated[target.name] += done
            log.info("keys_rotate_batch", table=target.name, rows=done,
                     key_id=get_keyring().primary_id)
            if on_batch:
                remaining = max(stale_at_start - rotated[target.name], 0)
                on_batch(target.name, rotated[target.name], remaining)
    return rotated


def _stale(target: EncryptedTable) -> Any:
    prefix = get_keyring().primary_prefix + "%"
    return or_(*(
        and_(column.is_not(None), type_coerce(column, Text).not_like(prefix))
        for column in target.columns
    ))


def _rewritten(
    target: EncryptedTable, row: Any, preserved: Sequence[KeyedColumnElement[Any]]
) -> dict[str, Any]:
    # Writing the decrypted values back encrypts them with the primary key.
    values = {column.key: row[column.key] for column in target.columns}
    plain = SimpleNamespace(**values)
    values.update({name: compute(plain) for name, compute in target.index_functions.items()})
    values.update({column.key: row[column.key] for column in preserved})
    return values
