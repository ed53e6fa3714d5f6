"""`referraldesk rights ...` from the terminal."""

from __future__ import annotations

from sqlalchemy import Engine
from tests.rights.world import History
from typer.testing import CliRunner

from referraldesk.cli import app

runner = CliRunner()


def test_a_request_is_logged_listed_and_the_purge_dry_run_counts(
    sqlite_world: tuple[Engine, History],
) -> None:
    _, history = sqlite_world

    logged = runner.invoke(app, ["rights", "request", history.patient_id, "--kind", "deletion"])
    listed = runner.invoke(app, ["rights", "list", "--open"])
    dry = runner.invoke(app, ["rights", "purge", "--dry-run"])
    refused = runner.invoke(app, ["rights", "erase", history.patient_id, "--reason", "x",
                                  "--confirm", history.patient_id])

    assert logged.exit_code == 0 and "deletion, due" in logged.output
    assert listed.exit_code == 0 and history.patient_id in listed.output
    assert dry.exit_code == 0 and "would purge" in dry.output
    assert refused.exit_code == 1 and "needs a reason" in refused.output
