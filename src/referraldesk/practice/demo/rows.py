"""Stable ids and fast inserts for the demo's rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from referraldesk.db.base import Base
from referraldesk.db.encrypted import with_blind_indexes

_NAMESPACE = uuid.UUID("5a1e0c3e-7d0a-4b59-9c1e-2f6d4c8b5599")


def demo_id(*parts: object) -> str:
    """An id derived from what the row is, so the next run of the seeder finds it."""
    return uuid.uuid5(_NAMESPACE, "|".join(str(part) for part in parts)).hex


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    # A Core insert of plain dicts: the ORM's per-object bookkeeping would cost most of
    # the demo's load time, and nothing here needs the objects afterwards. Core runs no
    # ORM events, so the blind indexes of encrypted columns are filled in here.
    if rows:
        indexed = [with_blind_indexes(model, row) for row in rows]
        session.execute(insert(Base.metadata.tables[model.__tablename__]), indexed)
