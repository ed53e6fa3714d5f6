"""`referraldesk referrals worklist | nudges | import-visits`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from tests.outreach.support import book_first_slot, refer, register
from typer.testing import CliRunner

from referraldesk.cli import app as cli_app
from referraldesk.cli import common

Freeze = Callable[[datetime | str], datetime]


@pytest.fixture(autouse=True)
def _quiet_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)


def test_the_worklist_and_nudges_commands_list_what_waits(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now("2026-07-15T17:00:00+00:00")
    referral = refer(session, register(session, consents=()))
    session.commit()
    frozen_now("2026-08-10T17:00:00+00:00")

    worklist = CliRunner().invoke(cli_app, ["referrals", "worklist"])
    nudges = CliRunner().invoke(cli_app, ["referrals", "nudges"])

    assert worklist.exit_code == 0, worklist.output
    assert f"{referral.id}  routine accepted   target 2026-08-05" in worklist.output
    assert "no_consent" in worklist.output
    assert "Valley Family Medicine (1)" in nudges.output
    assert "accepted, 5 days past target" in nudges.output


def test_import_visits_reads_the_schedule_file(
    session: Session, frozen_now: Freeze, tmp_path: Path
) -> None:
    frozen_now("2026-07-15T17:00:00+00:00")
    referral = refer(session, register(session))
    appointment = book_first_slot(session, referral)
    session.commit()
    good = tmp_path / "schedule.csv"
    good.write_text(f"appointment_id,status\n{appointment.id},kept\n", "utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("appointment_id,status\nnope,kept\n", "utf-8")

    refused = CliRunner().invoke(cli_app, ["referrals", "import-visits", str(bad)])
    done = CliRunner().invoke(cli_app, ["referrals", "import-visits", str(good)])

    assert refused.exit_code == 1
    assert "line 2: no referral matches" in refused.output
    assert done.exit_code == 0, done.output
    assert "kept 1, missed 0, unchanged 0" in done.output


def test_import_visits_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    latin1 = tmp_path / "schedule.csv"
    latin1.write_bytes("appointment_id,status,note\nA1,kept,José\n".encode("latin-1"))

    refused = CliRunner().invoke(cli_app, ["referrals", "import-visits", str(latin1)])

    assert refused.exit_code == 1
    assert f"error: {latin1} is not UTF-8 text: save the schedule as CSV UTF-8" in (
        refused.output
    )
