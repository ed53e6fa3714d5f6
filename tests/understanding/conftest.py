"""The frozen clock understanding tests read against (inputs.md: Wed 2026-03-04 10:00)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SITE = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=SITE)


@pytest.fixture
def now() -> datetime:
    return NOW
