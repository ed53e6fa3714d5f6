from datetime import UTC, datetime

import pytest

from referraldesk import clock


def test_it_starts_at_the_given_instant_and_keeps_it_when_frozen() -> None:
    clock.set_now(datetime.fromisoformat("2026-03-04T09:15:00-08:00"), frozen=True)

    assert clock.now() == datetime(2026, 3, 4, 17, 15, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_it_runs_on_from_the_given_instant_when_not_frozen() -> None:
    start = datetime.fromisoformat("2026-11-01T01:30:00-07:00")
    clock.set_now(start)

    assert clock.now() >= start
    assert (clock.now() - start).total_seconds() < 60


@pytest.mark.parametrize("text", ["2026-03-04T09:15:00", "March 4", "2026-13-01T00:00:00Z"])
def test_it_refuses_a_now_without_an_offset_or_not_iso(text: str) -> None:
    with pytest.raises(ValueError, match="--now"):
        clock.parse_instant(text)
