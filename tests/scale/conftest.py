"""The scale-out layout for the integration tests: PostgreSQL, Redis, two web instances
and two `referraldesk worker` processes, started once for the module that asks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from bench import load_layout
from huey import Huey, RedisHuey
from sqlalchemy import Engine, create_engine

from referraldesk.jobs import huey

# Inside the practice's calling hours (a Wednesday morning in California), so the
# outreach round has someone to contact.
NOW = "2026-03-04T09:15:00-08:00"
T = TypeVar("T")


@pytest.fixture(scope="module")
def layout() -> Iterator[load_layout.Layout]:
    # Sweep everything unanalysed at once: a replacement worker picks lost jobs up
    # at its start instead of ten minutes later.
    started = load_layout.start(
        "scale", web=2, workers=2, now=NOW,
        extra_env={"REFERRALDESK_ANALYSIS_SWEEP_AFTER_MINUTES": "0"},
    )
    yield started
    started.stop()
    assert not started.workdir.exists(), "stop() must remove the layout's working folder"


@pytest.fixture(scope="module")
def database(layout: load_layout.Layout) -> Iterator[Engine]:
    engine = create_engine(layout.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def shared_queue(layout: load_layout.Layout) -> Iterator[Huey]:
    """This process's huey, enqueueing onto the layout's Redis queue instead of inline."""
    own_storage = huey.storage
    # Turned off in this order so huey keeps (rather than rebuilds) its storage.
    huey.immediate_use_memory = False
    huey.immediate = False
    huey.storage = RedisHuey(
        layout.env["REFERRALDESK_QUEUE_NAME"], url=load_layout.REDIS_URL
    ).storage
    yield huey
    huey.storage = own_storage
    huey.immediate = True
    huey.immediate_use_memory = True


def wait_for(condition: Callable[[], T], *, seconds: float = 90, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {seconds:g} s (last: {value!r})")
        time.sleep(0.2)
