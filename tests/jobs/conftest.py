"""The demo practice's configuration on a fresh database, and retention set in days."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from referraldesk.db.session import session_factory
from referraldesk.practice.loader import demo_config, load_config
from referraldesk.settings import reset_settings_cache


@pytest.fixture
def clinic(engine: Engine) -> Engine:
    with session_factory(engine)() as session:
        load_config(session, demo_config())
        session.commit()
    return engine


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set REFERRALDESK_* variables as an operator would; restored afterwards."""

    def use(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"REFERRALDESK_{name.upper()}", str(value))
        reset_settings_cache()

    yield use
    monkeypatch.undo()
    reset_settings_cache()
