"""The practice clock: the one source of "now" for every part of referraldesk.

`serve --now`, `chat --now` and the caller cases start the clock at a chosen instant;
from there it runs at real speed, so a demo behaves as if it were that day. Tests
freeze it with `freeze()`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass
class Clock:
    """Now = start + (monotonic time elapsed since the clock was set)."""

    start: datetime | None = None
    frozen: bool = False
    _monotonic_at_start: float = 0.0

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        if self.start is None:
            return datetime.now(UTC)
        if self.frozen:
            return self.start
        elapsed = time.monotonic() - self._monotonic_at_start
        return datetime.fromtimestamp(self.start.timestamp() + elapsed, UTC)

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        if instant.tzinfo is None:
            raise ValueError(f"the clock needs an instant with a UTC offset, got {instant!r}")
        self.start = instant.astimezone(UTC)
        self.frozen = frozen
        self._monotonic_at_start = time.monotonic()

    def reset(self) -> None:
        self.start = None
        self.frozen = False


_clock = Clock()


def get_clock() -> Clock:
    return _clock


def now() -> datetime:
    """Return the practice clock's current instant (UTC, aware)."""
    return _clock.now()


def set_now(instant: datetime, *, frozen: bool = False) -> None:
    _clock.set(instant, frozen=frozen)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant for `--now`; a naive one is refused, not guessed."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--now {text!r} is not an ISO 8601 instant (2026-03-04T09:15:00-08:00)") from exc
    if instant.tzinfo is None:
        raise ValueError(f"--now {text!r} has no UTC offset; add one, e.g. {text}-08:00")
    if not 1900 <= instant.year <= 2100:
        raise ValueError(f"--now {text!r} is outside 1900-2100; give a date the practice could see")
    return instant
