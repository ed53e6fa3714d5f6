"""Column types that encrypt on the way in and decrypt on the way out, and blind indexes.

An encrypted column holds different ciphertext for equal values, so SQL comparisons
on it would silently match nothing; its comparator refuses them instead (only
IS NULL / IS NOT NULL work). Search through the blind index beside it:

    select(PatientPhone).where(blind_match(PatientPhone.e164_index, "phone", e164))

A model with indexes lists them in `__blind_indexes__` (index column -> function
of the model's plaintext values); `refresh_blind_indexes` keeps them in step on
every ORM insert and update (not Core `insert()`/`update()`), and `keys rotate`
uses the same functions.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Text, TypeDecorator, event, or_
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute, Mapper
from sqlalchemy.sql import operators

from referraldesk.db.crypto import get_keyring

if TYPE_CHECKING:
    from referraldesk.db.base import Base

# Index column -> function of an object with the model's plaintext attributes (the
# ORM object itself, or a row `keys rotate` decrypted) giving the index, or None.
IndexFunctions = Mapping[str, Callable[[Any], str | None]]

_NULL_TESTS = {operators.is_, operators.is_not}


class _Encrypted(TypeDecorator[Any]):
    impl = Text
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[Any]):  # noqa: N801 - SQLAlchemy's hook name
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            if op not in _NULL_TESTS:
                raise TypeError(
                    f"column {self.expr} is encrypted and cannot be compared or searched in "
                    "SQL; filter on its blind index (referraldesk.db.encrypted.blind_match)"
                )
            return super().operate(op, *other, **kwargs)

    def serialize(self, value: Any) -> str:
        return str(value)

    def deserialize(self, text: str) -> Any:
        return text

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return get_keyring().encrypt(self.serialize(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.deserialize(get_keyring().decrypt(value))


class EncryptedString(_Encrypted):
    """Text, encrypted; any length (ciphertext is about 1.4 times the text plus 100)."""

    cache_ok = True


class EncryptedDate(_Encrypted):
    """A date, encrypted as its ISO form."""

    cache_ok = True

    def serialize(self, value: date) -> str:
        return value.isoformat()

    def deserialize(self, text: str) -> date:
        return date.fromisoformat(text)


class EncryptedBytes(_Encrypted):
    """Bytes (a scanned document), encrypted as base64."""

    cache_ok = True

    def serialize(self, value: bytes) -> str:
        return b64encode(value).decode("ascii")

    def deserialize(self, text: str) -> bytes:
        return b64decode(text)


class EncryptedJSON(_Encrypted):
    """A JSON document (list or dict), encrypted whole."""

    cache_ok = True

    def serialize(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def deserialize(self, text: str) -> Any:
        return json.loads(text)


def is_encrypted(column_type: Any) -> bool:
    return isinstance(column_type, _Encrypted)


def blind_index(purpose: str, value: str | None) -> str | None:
    """The index to store for `value` (None stays None)."""
    return None if value is None else get_keyring().blind_index(purpose, value)


def blind_match(
    column: InstrumentedAttribute[Any] | ColumnElement[Any], purpose: str, value: str
) -> ColumnElement[bool]:
    """SQL: the row's index equals `value`'s under any key on the ring (see db/crypto)."""
    return column.in_(get_keyring().blind_indexes(purpose, value))


def word_index(purpose: str, words: Iterable[str]) -> str:
    """Several words' indexes in one column, "|d1|d2|", for `blind_contains`."""
    keyring = get_keyring()
    digests = sorted({keyring.blind_index(purpose, word) for word in words})
    return "|" + "|".join(digests) + "|" if digests else ""


def blind_contains(
    column: InstrumentedAttribute[Any], purpose: str, word: str
) -> ColumnElement[bool]:
    """SQL: the row's word index holds `word` under any key on the ring."""
    digests = get_keyring().blind_indexes(purpose, word)
    return or_(*(column.contains(f"|{digest}|") for digest in digests))


def refresh_blind_indexes(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    """ORM hook: recompute the target's blind indexes from its plaintext attributes."""
    functions: IndexFunctions | None = getattr(type(target), "__blind_indexes__", None)
    for index_column, compute in (functions or {}).items():
        setattr(target, index_column, compute(target))


def with_blind_indexes(model: type[Base], row: Mapping[str, Any]) -> dict[str, Any]:
    """A row for a Core `insert()` of `model`, its blind indexes filled in (no ORM events run)."""
    functions: IndexFunctions = getattr(model, "__blind_indexes__", {})
    if not functions:
        return dict(row)
    # A column left out of the row is NULL in the table; it is None to the index too.
    plain = SimpleNamespace(**{**{column.key: None for column in model.__table__.columns}, **row})
    return {**row, **{name: compute(plain) for name, compute in functions.items()}}


def listen_for_blind_indexes(base: type) -> None:
    """Keep every subclass's `__blind_indexes__` in step on insert and update."""
    event.listen(base, "before_insert", refresh_blind_indexes, propagate=True)
    event.listen(base, "before_update", refresh_blind_indexes, propagate=True)
