"""A small valid practice file to break on purpose, and the demo loaded once per module."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory, session_scope
from referraldesk.practice.loader import load_demo

DEMO_TODAY = date(2026, 3, 4)

SMALL_PRACTICE: dict[str, Any] = {
    "practice": {"name": "Kaweah Test Clinic", "timezone": "America/Los_Angeles"},
    "locations": [
        {
            "key": "main",
            "name": "Main site",
            "timezone": "America/Los_Angeles",
            "hours": {"mon": "08:00-17:00", "tue": "08:00-17:00", "sat": "08:00-12:00"},
        },
    ],
    "specialties": [
        {
            "key": "dermatology",
            "nucc": "207N00000X",
            "label_en": "Dermatology",
            "label_es": "Dermatología",
        },
    ],
    "plans": [
        {"key": "medicare", "name": "Medicare", "payer": "CMS", "kind": "medicare"},
        {"key": "self_pay", "name": "Self-pay", "payer": "Self-pay", "kind": "self_pay"},
    ],
    "providers": [
        {
            "npi": "1234567893",
            "given_name": "Ana",
            "family_name": "Soria",
            "specialty": "dermatology",
            "locations": ["main"],
            "plans": ["medicare", "Self-pay"],
            "blocks": [
                {"days": ["mon", "tue"], "start": "08:00", "end": "12:00", "location": "main"}
            ],
        },
        {
            "npi": "1904000118",
            "given_name": "Luis",
            "family_name": "Prado",
            "specialty": "dermatology",
            "locations": ["main"],
            "plans": ["medicare"],
            "blocks": [{"days": "sat", "start": "08:00", "end": "12:00", "location": "main"}],
        },
    ],
    "services": [
        {
            "key": "derm_new",
            "name_en": "New visit",
            "name_es": "Consulta nueva",
            "cpt": "99203",
            "duration_minutes": 30,
            "specialty": "dermatology",
        },
    ],
}


@pytest.fixture
def small_practice() -> dict[str, Any]:
    """A fresh deep copy to change in the test."""
    return copy.deepcopy(SMALL_PRACTICE)


@pytest.fixture
def write_practice(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(data: dict[str, Any], name: str = "practice.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo practice loaded for 2026-03-04, shared by the read-only tests of a module."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    Base.metadata.create_all(engine)
    with session_scope(engine) as session:
        load_demo(session, DEMO_TODAY)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    with session_factory(demo_engine)() as session:
        yield session
        session.rollback()
