"""`referraldesk slots` on a small practice in its own SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.scheduling.conftest import Build
from typer.testing import CliRunner

from referraldesk.cli import app as cli
from referraldesk.cli import common
from referraldesk.db.base import Base
from referraldesk.db.session import get_engine, make_engine, reset_engines, session_factory
from referraldesk.settings import reset_settings_cache

NOW = "--now=2026-03-04T09:15:00-08:00"


@pytest.fixture
def practice_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        build = Build(session)
        site = build.location(name="Visalia Main")
        anthem = build.plan("Anthem Blue Cross Medi-Cal", aliases=["Anthem Medi-Cal"])
        build.plan("Health Net Medi-Cal")
        build.provider(
            site,
            plans=[anthem],
            languages=["es", "en"],
            hours=("06:00", "12:00"),
            family_name="Reyes",
        )
        build.provider(site, plans=[anthem], hours=("09:00", "17:00"), family_name="Moss")
        session.commit()
    engine.dispose()
    monkeypatch.setenv("REFERRALDESK_DATABASE_URL", url)
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)
    reset_settings_cache()
    reset_engines()
    yield
    get_engine().dispose()
    reset_engines()
    reset_settings_cache()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["slots", *args, NOW])
    return result.exit_code, result.stdout, result.stderr


def test_it_prints_early_morning_slots_in_local_time(practice_db: None) -> None:
    code, out, _ = run(
        "--specialty",
        "dermatology",
        "--plan",
        "Anthem Blue Cross Medi-Cal",
        "--window",
        "weekdays 06:00-08:00",
        "--limit",
        "3",
    )

    assert code == 0
    assert out.splitlines() == [
        "Thu 2026-03-05 06:00 PST  Dr. Ana Reyes (dermatology) — Visalia Main — es,en",
        "Thu 2026-03-05 06:30 PST  Dr. Ana Reyes (dermatology) — Visalia Main — es,en",
        "Thu 2026-03-05 07:00 PST  Dr. Ana Reyes (dermatology) — Visalia Main — es,en",
    ]


def test_it_matches_the_specialty_and_plan_loosely(practice_db: None) -> None:
    code, out, _ = run(
        "--specialty",
        "Dermatología",
        "--plan",
        "anthem medi cal",
        "--lang",
        "en",
        "--from",
        "2026-03-09",
        "--limit",
        "1",
    )

    assert code == 0
    assert out.splitlines() == [
        "Mon 2026-03-09 06:00 PDT  Dr. Ana Reyes (dermatology) — Visalia Main — es,en"
    ]


def test_it_lists_the_plans_an_ambiguous_name_could_be(practice_db: None) -> None:
    code, _, err = run("--specialty", "dermatology", "--plan", "Medi-Cal")

    assert code == 1
    assert "Anthem Blue Cross Medi-Cal, Health Net Medi-Cal" in err


def test_it_names_the_known_specialties_for_an_unknown_one(practice_db: None) -> None:
    code, _, err = run("--specialty", "podiatry")

    assert code == 1
    assert "no specialty matches 'podiatry'; the practice has: dermatology" in err


def test_it_explains_a_bad_window(practice_db: None) -> None:
    code, _, err = run("--specialty", "dermatology", "--window", "weekdays 0800")

    assert code == 2
    assert "'0800' is not a time" in err


def test_it_says_so_when_nothing_is_open(practice_db: None) -> None:
    code, out, _ = run("--specialty", "dermatology", "--window", "sun", "--days", "3")

    assert code == 0
    assert out.strip() == "no open slots from 2026-03-04 to 2026-03-06"


def test_it_refuses_a_language_no_provider_speaks(practice_db: None) -> None:
    code, out, err = run("--specialty", "dermatology", "--lang", "xx")

    assert code == 1 and out == ""
    assert "--lang 'xx' is not a language any provider speaks; use one of: en, es" in err
