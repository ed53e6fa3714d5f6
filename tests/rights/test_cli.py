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


def test_patients_list_shows_the_record_id_the_rights_commands_take(
    sqlite_world: tuple[Engine, History],
) -> None:
    _, history = sqlite_world

    listed = runner.invoke(app, ["patients", "list", "--limit", "500"])
    mistyped = runner.invoke(app, ["rights", "erase", history.patient_id, "--reason",
                                   "request DR-7 by letter", "--confirm", "not-the-id"])

    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if history.patient_id in line]
    assert len(lines) == 1 and lines[0].startswith(f"{history.patient_id}  ")
    assert mistyped.exit_code == 1
    assert f"record id {history.patient_id} exactly as shown" in mistyped.output
    assert "`referraldesk patients list`" in mistyped.output
