"""Configure the practice from its YAML file, or load the demo practice.

Every function here works in the caller's transaction (it flushes, never commits)
and checks the whole config before it touches the database: a file with mistakes
raises `ConfigError` listing each of them, and nothing is applied.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import SYSTEM, Actor
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models import Practice
from referraldesk.practice.apply import apply_config
from referraldesk.practice.demo.seed import seed_demo
from referraldesk.practice.problems import ConfigError
from referraldesk.practice.report import LoadReport
from referraldesk.practice.schema import PracticeConfig
from referraldesk.practice.validate import config_problems, parse_config, read_config

log = get_logger(__name__)

DEMO_SOURCE = "demo/practice.yaml"

__all__ = [
    "ConfigError",
    "LoadReport",
    "demo_config",
    "load_config",
    "load_demo",
    "load_file",
    "practice_on_file",
]


def load_file(session: Session, path: Path | str, *, actor: Actor = SYSTEM) -> LoadReport:
    """Check the practice file at `path` and apply it; raises ConfigError before any write."""
    config = read_config(Path(path))
    return load_config(session, config, source=str(path), actor=actor)


def load_config(
    session: Session,
    config: PracticeConfig,
    *,
    source: str = "<practice config>",
    actor: Actor = SYSTEM,
) -> LoadReport:
    """Apply a practice config by natural keys; loading the same config twice changes nothing.

    Cross-references are checked again here, because a config built in code never
    went through the file parser.
    """
    problems = config_problems(config)
    if problems:
        raise ConfigError(source, problems)
    report = LoadReport(source)
    apply_config(session, config, report)
    if report.changes:
        trail.record(
            session, actor, "update", "practice", reason=f"practice config loaded from {source}"
        )
    report.count_totals(session)
    log.info(
        "practice_config_loaded",
        changes=report.changes,
        providers=report.totals["active_providers"],
    )
    return report


@lru_cache(maxsize=1)
def demo_config() -> PracticeConfig:
    """The demo practice's config, shipped with the package (parsed once per process)."""
    text = (
        resources.files("referraldesk.practice.demo").joinpath("practice.yaml").read_text("utf-8")
    )
    return parse_config(text, DEMO_SOURCE)


def load_demo(session: Session, today: date | None = None, *, actor: Actor = SYSTEM) -> LoadReport:
    """Load the demo practice with its patients, a partly booked calendar and referrals.

    `today` (default: the practice clock's date in the practice's zone) anchors the
    calendar: past visits before it, ~35% of the next three weeks booked. Everything
    is derived from `today` and fixed seeds, so the same `today` gives the same rows,
    and loading twice adds nothing.
    """
    config = demo_config()
    report = load_config(session, config, source=DEMO_SOURCE, actor=actor)
    day = today or now().astimezone(ZoneInfo(config.practice.timezone)).date()
    created = seed_demo(session, config, day)
    report.created.update(created)
    if sum(created.values()):
        trail.record(
            session,
            actor,
            "create",
            "patient",
            reason=f"demo practice: {created['patients']} synthetic patients, "
            f"{created['appointments']} appointments, {created['referrals']} referrals",
        )
    report.count_totals(session)
    log.info("demo_practice_loaded", today=day.isoformat(), **dict(created))
    return report


def practice_on_file(session: Session) -> str | None:
    """The name of the practice the database already holds, or None before any load."""
    return session.scalar(select(Practice.name).order_by(Practice.id).limit(1))
