"""The chain is keyed: someone who can write the database but not read the audit key
cannot edit a record and re-compute the hashes after it."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from tests.audit.conftest import AUDIT_KEY

from referraldesk.audit import trail
from referraldesk.audit.key import AuditKeyError, audit_key
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent
from referraldesk.settings import reset_settings_cache

STAFF = trail.Actor(name="staff:ana@example.org", role="staff", source_address="10.1.2.3")


def _write(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        for n in range(1, count + 1):
            trail.record(session, STAFF, "read", "patient", f"p{n}", patient_id=f"p{n}")


def _problems(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(p.seq, p.problem) for p in trail.verify(session)]


def _rehash_from(engine: Engine, seq: int, digest: object) -> None:
    """What a database writer does to hide an edit: re-compute every hash from `seq` on."""
    with Session(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        previous = trail.GENESIS_HASH
        for event in events:
            if event.seq >= seq:
                event.prev_hash = previous
                event.hash = digest(_canonical(event))  # type: ignore[operator]
            previous = event.hash
        session.commit()


def _canonical(event: AuditEvent) -> bytes:
    fields = ("actor", "role", "action", "resource_type", "resource_id", "patient_id",
              "conversation_id", "source_address", "reason", "prev_hash")
    payload = {"at": event.at.isoformat(), **{name: getattr(event, name) for name in fields}}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def test_each_hash_is_an_hmac_under_the_audit_key(engine: Engine) -> None:
    _write(engine, 1)

    with Session(engine) as session:
        event = session.scalars(select(AuditEvent)).one()

    expected = hmac.new(AUDIT_KEY.encode(), b"referraldesk audit record v1\x00"
                        + _canonical(event), hashlib.sha256).hexdigest()
    assert event.hash == expected
    assert event.hash != hashlib.sha256(_canonical(event)).hexdigest()


def test_an_edit_re_hashed_without_the_key_is_still_found(any_engine: Engine) -> None:
    _write(any_engine, 5)
    with any_engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="staff:x"))

    _rehash_from(any_engine, 2, lambda message: hashlib.sha256(message).hexdigest())

    assert _problems(any_engine) == [(seq, trail.CHANGED) for seq in (2, 3, 4, 5)]


def test_an_edit_re_hashed_under_a_guessed_key_is_still_found(engine: Engine) -> None:
    _write(engine, 4)
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="none"))
    guessed = b"change-me-in-production-referraldesk"

    _rehash_from(engine, 3, lambda message: hmac.new(
        guessed, b"referraldesk audit record v1\x00" + message, hashlib.sha256).hexdigest())

    assert _problems(engine) == [(3, trail.CHANGED), (4, trail.CHANGED)]


def test_a_trail_read_under_another_key_fails_every_record(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(engine, 3)
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", "another-key-" + "x" * 40)
    reset_settings_cache()

    with Session(engine) as session:
        report = trail.check(session)

    assert [p.seq for p in report.problems] == [1, 2, 3]
    assert report.every_record_changed


def test_without_a_configured_key_one_is_made_once_into_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "var" / "audit.key"
    monkeypatch.delenv("REFERRALDESK_AUDIT_KEY")
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY_FILE", str(key_file))
    reset_settings_cache()

    first = audit_key()
    reset_settings_cache()
    again = audit_key()

    assert first == again == key_file.read_text(encoding="ascii").strip().encode()
    assert len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["audit.key"]


def test_a_short_key_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", "secret")
    reset_settings_cache()

    with pytest.raises(AuditKeyError) as refused:
        audit_key()

    assert str(refused.value).startswith(
        "REFERRALDESK_AUDIT_KEY is 6 characters long; it needs at least 32 random characters: "
        "make one with `referraldesk audit new-key`"
    )
