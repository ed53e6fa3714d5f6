from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.tools.factories import engine_from_template
from typer.testing import CliRunner

from referraldesk.api.app import create_app
from referraldesk.cli import app as cli
from referraldesk.cli import common
from referraldesk.db.session import get_engine, reset_engines
from referraldesk.settings import reset_settings_cache


@pytest.fixture
def database(
    tmp_path: Path, _schema_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    engine_from_template(_schema_template, tmp_path).dispose()
    url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("REFERRALDESK_DATABASE_URL", url)
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)
    reset_settings_cache()
    reset_engines()
    yield url
    get_engine().dispose()
    reset_engines()
    reset_settings_cache()


def test_token_create_prints_a_token_that_works_until_revoked(database: str) -> None:
    runner = CliRunner()

    created = runner.invoke(
        cli,
        [
            "token",
            "create",
            "--role",
            "integration",
            "--name",
            "valley-ehr",
            "--expires-days",
            "30",
        ],
    )
    secret = created.stdout.strip()
    client = TestClient(create_app(get_engine()))
    works = client.get("/api/providers", headers={"Authorization": f"Bearer {secret}"})
    listed = runner.invoke(cli, ["token", "list"])
    token_id = listed.stdout.split()[0]
    revoked = runner.invoke(cli, ["token", "revoke", token_id])
    refused = client.get("/api/providers", headers={"Authorization": f"Bearer {secret}"})

    assert created.exit_code == 0 and secret.startswith("rd_")
    assert works.status_code == 200
    assert "integration" in listed.stdout and "valley-ehr" in listed.stdout
    assert secret not in listed.stdout
    assert revoked.exit_code == 0
    assert refused.status_code == 401


def test_token_create_refuses_an_unknown_role(database: str) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "--role", "root", "--name", "x"])

    assert result.exit_code == 1
    assert (
        "role 'root' is not one of admin, staff, coordinator, auditor, integration" in result.stderr
    )
