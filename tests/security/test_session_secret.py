"""The session secret: never the published default, made once per host when unset."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from referraldesk.calendar_feeds import signing
from referraldesk.security import session_secret
from referraldesk.security.session_secret import get_session_secret
from referraldesk.settings import PUBLIC_SESSION_SECRET, Settings, reset_settings_cache


@pytest.fixture
def unset_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "var" / "session.secret"
    monkeypatch.delenv("REFERRALDESK_SESSION_SECRET")
    monkeypatch.setenv("REFERRALDESK_SESSION_SECRET_FILE", str(path))
    reset_settings_cache()
    session_secret._host_secret.cache_clear()
    yield path
    session_secret._host_secret.cache_clear()
    monkeypatch.undo()
    reset_settings_cache()


def test_it_makes_a_private_secret_once_when_none_is_set(unset_secret: Path) -> None:
    with capture_logs() as logs:
        first = get_session_secret()
    session_secret._host_secret.cache_clear()
    again = get_session_secret()

    assert first == again == unset_secret.read_text(encoding="ascii").strip()
    assert len(first) >= 64 and first != PUBLIC_SESSION_SECRET
    assert stat.S_IMODE(unset_secret.stat().st_mode) == 0o600
    assert [log["event"] for log in logs] == ["session_secret_generated"]
    assert first not in repr(logs)
    assert [p.name for p in unset_secret.parent.iterdir()] == ["session.secret"]


def test_links_are_signed_with_the_generated_secret_not_the_published_one(
    unset_secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed = signing.mac("appointment-ics", "appointment-1")
    monkeypatch.setenv("REFERRALDESK_SESSION_SECRET", PUBLIC_SESSION_SECRET)
    reset_settings_cache()

    forged = signing.mac("appointment-ics", "appointment-1")

    assert signed != forged


def test_an_empty_setting_counts_as_unset(unset_secret: Path) -> None:
    settings = Settings(_env_file=None, session_secret="  ", public_url="https://desk.example.org")

    assert settings.session_secret is None


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (PUBLIC_SESSION_SECRET, "is the old default published with the source"),
        ("x" * 31, "is 31 characters long"),
    ],
)
def test_it_refuses_to_start_over_https_with_a_guessable_secret(secret: str, problem: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, session_secret=secret, public_url="https://desk.example.org")

    message = str(raised.value)
    assert f"REFERRALDESK_SESSION_SECRET {problem}" in message
    assert "at least 32 random characters" in message
    assert secret not in message


def test_it_takes_a_long_secret_over_https_and_any_secret_on_a_local_http_url() -> None:
    strong = Settings(_env_file=None, session_secret="s" * 32, public_url="https://desk.example.org")
    local = Settings(_env_file=None, session_secret=PUBLIC_SESSION_SECRET)

    assert strong.session_secret is not None and local.session_secret is not None
    assert local.public_url.startswith("http://")
