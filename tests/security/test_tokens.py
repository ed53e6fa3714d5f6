"""API tokens: stored as a hash, expiring, revocable, and `referraldesk token ...`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.security.conftest import bearer
from tests.tools.factories import NOW, engine_from_template
from typer.testing import CliRunner

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.auth import tokens
from referraldesk.cli import app as cli
from referraldesk.cli import common
from referraldesk.db.session import get_engine, reset_engines
from referraldesk.errors import InvalidArgument, Unauthenticated
from referraldesk.models import ApiToken
from referraldesk.settings import reset_settings_cache


def test_it_stores_only_a_hash_and_a_short_prefix(db: Session) -> None:
    token, secret = tokens.create_token(db, name="valley-ehr", role="integration")

    stored = db.scalar(select(ApiToken).where(ApiToken.id == token.id))

    assert stored is not None
    assert stored.token_hash == tokens.hash_token(secret) and secret not in stored.token_hash
    assert stored.prefix == secret[:10] and len(secret) > 40


def test_a_token_stops_working_at_its_expiry(db: Session, frozen_now: object) -> None:
    _, secret = tokens.create_token(
        db, name="script", role="staff", expires_at=clock.now() + timedelta(hours=1)
    )
    assert tokens.authenticate(db, secret).name == "script"

    clock.set_now(clock.now() + timedelta(hours=1), frozen=True)

    with pytest.raises(Unauthenticated, match="expired"):
        tokens.authenticate(db, secret)


def test_revoking_twice_keeps_the_first_time(db: Session) -> None:
    token, secret = tokens.create_token(db, name="old", role="admin")
    first = tokens.revoke(db, token.id).revoked_at
    clock.set_now(clock.now() + timedelta(days=1), frozen=True)

    again = tokens.revoke(db, token.id).revoked_at

    assert first == again
    with pytest.raises(Unauthenticated, match="revoked"):
        tokens.authenticate(db, secret)


@pytest.mark.parametrize(
    ("text", "lifetime"),
    [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)),
     ("2w", timedelta(weeks=2)), (" 7D ", timedelta(days=7))],
)
def test_it_reads_lifetimes(text: str, lifetime: timedelta) -> None:
    assert tokens.parse_lifetime(text) == lifetime


@pytest.mark.parametrize("text", ["", "0d", "forever", "-1d", "99999w", "1y", "12"])
def test_it_refuses_lifetimes_it_cannot_read(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        tokens.parse_lifetime(text)

    assert refused.value.field == "expires_in"


@pytest.fixture
def database(
    tmp_path: Path, _security_schema: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    engine_from_template(_security_schema, tmp_path).dispose()
    url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("REFERRALDESK_DATABASE_URL", url)
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    reset_settings_cache()
    reset_engines()
    yield url
    get_engine().dispose()
    reset_engines()
    reset_settings_cache()


def test_the_command_creates_an_expiring_token_lists_and_revokes_it(database: str) -> None:
    runner = CliRunner()

    created = runner.invoke(
        cli, ["token", "create", "--role", "staff", "--name", "front-desk", "--expires-in", "12h"]
    )
    secret = created.stdout.strip()
    client = TestClient(create_app(get_engine()))
    works = client.get("/api/providers", headers=bearer(secret))
    listed = runner.invoke(cli, ["token", "list"])
    token_id = listed.stdout.split()[0]
    revoked = runner.invoke(cli, ["token", "revoke", token_id])
    after = runner.invoke(cli, ["token", "list"])
    refused = client.get("/api/providers", headers=bearer(secret))

    assert created.exit_code == 0, created.output
    assert works.status_code == 200
    assert "expires 2026-03-11T04:00+00:00  active" in listed.stdout
    assert secret not in listed.stdout and secret not in after.stdout
    assert revoked.exit_code == 0 and after.stdout.rstrip().endswith("revoked")
    assert refused.status_code == 401


def test_the_command_lists_an_expired_token_as_expired(database: str) -> None:
    runner = CliRunner()
    runner.invoke(
        cli, ["token", "create", "--role", "auditor", "--name", "a", "--expires-in", "1h"]
    )
    clock.set_now(clock.now() + timedelta(hours=2), frozen=True)

    listed = runner.invoke(cli, ["token", "list"])

    assert listed.stdout.rstrip().endswith("expired")


def test_the_command_refuses_an_unreadable_expiry(database: str) -> None:
    result = CliRunner().invoke(
        cli, ["token", "create", "--role", "staff", "--name", "x", "--expires-in", "soon"]
    )

    assert result.exit_code == 1
    assert "expiry 'soon' is not a duration" in result.stderr
