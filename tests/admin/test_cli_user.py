"""`referraldesk user create|list|deactivate|set-password`."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from referraldesk.auth.users import authenticate_user, find_user
from referraldesk.cli import app, common
from referraldesk.db.session import session_scope


@pytest.fixture(autouse=True)
def _logs_stay_where_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)


def test_it_creates_a_user_with_a_password_from_stdin(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["user", "create", "--role", "coordinator",
                                      "--password-stdin", "lupe@valle.example.org"],
                                input="a very good passphrase\n")

    assert result.exit_code == 0, result.output
    assert "dashboard user lupe@valle.example.org (coordinator) created" in result.output
    with session_scope(engine) as session:
        user = authenticate_user(session, "lupe@valle.example.org", "a very good passphrase")
        assert user.role == "coordinator"


def test_it_asks_for_the_password_twice_without_stdin(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["user", "create", "--role", "staff", "ana@valle.example.org"],
                                input="another good secret\nanother good secret\n")

    assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        assert find_user(session, "ana@valle.example.org") is not None


def test_a_bad_role_is_one_clear_line(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["user", "create", "--role", "boss", "--password-stdin",
                                      "x@valle.example.org"], input="a very good passphrase\n")

    assert result.exit_code == 1
    assert "role 'boss' is not one of admin, staff, coordinator, auditor" in result.output


def test_deactivating_a_user_refuses_their_sign_in(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["user", "deactivate", "staff@valle.example.org"])
    listing = CliRunner().invoke(app, ["user", "list"])

    assert result.exit_code == 0 and "deactivated" in result.output
    assert "staff@valle.example.org" in listing.output and "deactivated" in listing.output


def test_a_demo_set_up_can_run_twice_with_exist_ok(engine: Engine) -> None:
    command = ["user", "create", "--role", "admin", "--password-stdin", "--exist-ok",
               "admin@valle.example.org"]

    again = CliRunner().invoke(app, command, input="a different password\n")

    assert again.exit_code == 0 and "already exists; unchanged" in again.output
