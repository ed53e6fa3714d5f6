"""The time-window argument several tools share: weekdays and a span of local times."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from referraldesk.scheduling.windows import TimeWindow, from_understanding
from referraldesk.tools.contract import ToolArgs

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class WindowArg(ToolArgs):
    """Weekdays and a span of local start times; every part optional."""

    weekdays: list[Weekday] | None = Field(
        default=None, description="Days the time may fall on; null: any day."
    )
    after: str | None = Field(
        default=None,
        pattern=_CLOCK,
        description="Earliest local start, 24-hour HH:MM (17:00); null: from opening.",
    )
    before: str | None = Field(
        default=None,
        pattern=_CLOCK,
        description="Start strictly before this local time, 24-hour HH:MM (08:00); "
        "null: until closing.",
    )

    def as_understood(self) -> dict[str, Any]:
        return {"weekdays": self.weekdays, "after": self.after, "before": self.before}

    def to_windows(self) -> list[TimeWindow]:
        return from_understanding(self.as_understood())
