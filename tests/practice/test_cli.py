from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from referraldesk.admin.queries.practice import PROVIDERS, edit_item
from referraldesk.audit.trail import Actor
from referraldesk.cli import app
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, reset_engines, session_scope
from referraldesk.models import Appointment, Practice, Provider, Referral
from referraldesk.settings import reset_settings_cache

WriteFile = Callable[[dict[str, Any]], Path]
STAFF = Actor("staff:admin@example.org", "admin")
# The demo's first dermatologist, who takes new patients in the demo file.
DEMO_NPI = "1904000118"


@pytest.fixture
def cli_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The database the command will use, with the schema in place."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("REFERRALDESK_DATABASE_URL", url)
    monkeypatch.setenv("REFERRALDESK_LOG_LEVEL", "WARNING")
    reset_settings_cache()
    reset_engines()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    reset_engines()
    reset_settings_cache()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["practice", *args])


def test_it_loads_a_file_and_prints_a_summary(
    cli_engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    path = write_practice(small_practice)

    result = run("load", str(path))

    assert result.exit_code == 0, result.output
    assert f"{path}: 1 locations, 2 providers, 2 plans, 1 services, 0 patients" in result.output


def test_it_prints_every_problem_and_applies_nothing(
    cli_engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    small_practice["providers"][0]["npi"] = "1234567890"
    small_practice["providers"][1]["plans"] = ["Aetna PPO"]
    small_practice["providers"][1]["blocks"][0]["end"] = "13:00"
    path = write_practice(small_practice)

    result = run("load", str(path))

    lines = [line for line in result.output.splitlines() if line.startswith(f"{path}: ")]
    assert result.exit_code == 1
    assert [line.split(": ", 2)[1] for line in lines] == [
        "providers[0].npi",
        "providers[1].plans[0]",
        "providers[1].blocks[0].end",
    ]
    assert "3 problems in" in result.output
    with Session(cli_engine) as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 0


def test_it_loads_the_demo_for_a_given_day(cli_engine: Engine) -> None:
    result = run("load", "--demo", "--today", "2026-03-04")

    with Session(cli_engine) as session:
        appointments = session.scalar(select(func.count()).select_from(Appointment))
    assert result.exit_code == 0, result.output
    assert (
        "demo/practice.yaml: 2 locations, 19 providers, 7 plans, 16 services, 240 patients"
        in result.output
    )
    assert f"{appointments} appointments" in result.output


def test_loading_the_demo_again_keeps_the_practice_staff_edited(cli_engine: Engine) -> None:
    run("load", "--demo", "--today", "2026-03-04")
    _edit_as_staff(cli_engine)
    before = _counts(cli_engine)

    # A later day, as `make run` gives the next morning: no second calendar either.
    result = run("load", "--demo", "--today", "2026-03-11")

    assert result.exit_code == 0, result.output
    assert result.output == (
        "the database already holds the practice 'Sequoia Valley Occupational Health'; "
        "kept as it is (use --replace to load the demo over it)\n"
    )
    assert _edited_values(cli_engine) == (False, 72)
    assert _counts(cli_engine) == before


def test_replace_loads_the_demo_over_the_edits(cli_engine: Engine) -> None:
    run("load", "--demo", "--today", "2026-03-04")
    _edit_as_staff(cli_engine)
    referrals, _ = _counts(cli_engine)

    result = run("load", "--demo", "--today", "2026-03-04", "--replace")

    assert result.exit_code == 0, result.output
    assert "changes: created nothing; updated 1 practice, 1 providers" in result.output
    assert _edited_values(cli_engine) == (True, 96)
    assert _counts(cli_engine)[0] == referrals == 19


def test_replace_needs_the_demo(
    cli_engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    result = run("load", str(write_practice(small_practice)), "--replace")

    assert result.exit_code == 2
    assert "--replace only applies with --demo" in result.output


def test_it_refuses_a_file_and_the_demo_together(cli_engine: Engine, tmp_path: Path) -> None:
    result = run("load", str(tmp_path / "x.yaml"), "--demo")

    assert result.exit_code == 2
    assert "either a practice FILE or --demo" in result.output


def test_it_refuses_a_today_that_is_not_a_date(cli_engine: Engine) -> None:
    result = run("load", "--demo", "--today", "March 4")

    assert result.exit_code == 2
    assert "is not a date; write it as YYYY-MM-DD" in result.output


def test_it_exports_to_stdout_and_to_a_file(
    cli_engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile, tmp_path: Path
) -> None:
    run("load", str(write_practice(small_practice)))
    target = tmp_path / "out.yaml"

    printed = run("export")
    written = run("export", "--output", str(target))

    assert printed.exit_code == 0 and written.exit_code == 0
    assert "name: Kaweah Test Clinic" in printed.output
    assert target.read_text(encoding="utf-8") in printed.output
    assert run("load", str(target)).exit_code == 0


def _edit_as_staff(engine: Engine) -> None:
    """What staff may change after `make run`: a provider on the dashboard, the policy."""
    with session_scope(engine) as session:
        edit_item(session, STAFF, PROVIDERS, DEMO_NPI, {"accepting_new_patients": False})
        practice = session.scalars(select(Practice)).one()
        timely = {**practice.policy["timely_access"], "urgent_hours": 72}
        practice.policy = {**practice.policy, "timely_access": timely}


def _edited_values(engine: Engine) -> tuple[bool, int]:
    with Session(engine) as session:
        provider = session.scalars(select(Provider).where(Provider.npi == DEMO_NPI)).one()
        policy = session.scalars(select(Practice)).one().policy
    return provider.accepting_new_patients, policy["timely_access"]["urgent_hours"]


def _counts(engine: Engine) -> tuple[int, int]:
    """Referrals and appointments on file."""
    with Session(engine) as session:
        referrals = session.scalar(select(func.count()).select_from(Referral)) or 0
        appointments = session.scalar(select(func.count()).select_from(Appointment)) or 0
    return referrals, appointments
