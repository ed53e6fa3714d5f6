"""Time windows: what the CLI, the practice config and the NLU hand the slot search."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from referraldesk.errors import InvalidArgument
from referraldesk.scheduling.windows import TimeWindow, from_understanding, parse_window

LA = ZoneInfo("America/Los_Angeles")
WEEKDAYS = frozenset(range(5))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekdays 06:00-08:00", [TimeWindow(WEEKDAYS, time(6), time(8))]),
        ("weekdays before 08:00", [TimeWindow(WEEKDAYS, None, time(8))]),
        ("after 17:00", [TimeWindow(None, time(17), None)]),
        ("sat", [TimeWindow(frozenset({5}), None, None)]),
        ("saturdays 08:00-12:00", [TimeWindow(frozenset({5}), time(8), time(12))]),
        ("mon,wed 17:00-19:30", [TimeWindow(frozenset({0, 2}), time(17), time(19, 30))]),
        ("Mon, Wed 5pm - 7:30 pm", [TimeWindow(frozenset({0, 2}), time(17), time(19, 30))]),
        ("between 6 and 8 on weekdays", [TimeWindow(WEEKDAYS, time(6), time(8))]),
        ("mon-fri from 06:00 to 08:00", [TimeWindow(WEEKDAYS, time(6), time(8))]),
        ("sábados", [TimeWindow(frozenset({5}), None, None)]),
        ("evenings", [TimeWindow(None, time(17), None)]),
        (
            "weekdays before 08:00; sat",
            [TimeWindow(WEEKDAYS, None, time(8)), TimeWindow(frozenset({5}), None, None)],
        ),
        (
            "before 8 or after 17",
            [TimeWindow(None, None, time(8)), TimeWindow(None, time(17), None)],
        ),
    ],
)
def test_it_parses_the_forms_staff_write(text: str, expected: list[TimeWindow]) -> None:
    assert parse_window(text) == expected


def test_it_names_every_bad_part_of_a_window_at_once() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_window("weekdays 06:00-0800; blursday")

    message = caught.value.message
    assert "'0800' is not a time; write HH:MM" in message
    assert "'blursday' is not a day or a time" in message
    assert caught.value.field == "window"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "is empty"),
        ("before", "'before' needs a time after it"),
        ("7:00", "'7:00' needs 'before' or 'after'"),
        ("25:00-26:00", "'25:00' is not a time of day"),
        ("13pm-2pm", "with am/pm the hour runs 1 to 12"),
        ("after 17:00 before 08:00", "which never holds"),
    ],
)
def test_it_explains_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        parse_window(text)


def test_it_fits_a_slot_that_starts_before_the_end_of_the_window() -> None:
    window = TimeWindow(WEEKDAYS, time(6), time(8))

    assert window.contains(local("2026-03-10T07:30"), local("2026-03-10T08:00"))
    assert window.contains(local("2026-03-10T06:00"), local("2026-03-10T06:30"))
    assert not window.contains(local("2026-03-10T08:00"), local("2026-03-10T08:30"))
    assert not window.contains(local("2026-03-10T05:30"), local("2026-03-10T06:00"))
    assert not window.contains(local("2026-03-14T07:00"), local("2026-03-14T07:30"))


def test_it_fits_a_slot_that_starts_exactly_at_the_after_time() -> None:
    window = TimeWindow(None, time(17), None)

    assert window.contains(local("2026-03-10T17:00"), local("2026-03-10T17:30"))
    assert not window.contains(local("2026-03-10T16:59"), local("2026-03-10T17:29"))


def test_it_refuses_a_window_that_holds_no_time() -> None:
    with pytest.raises(InvalidArgument, match="holds no time"):
        TimeWindow(None, time(9), time(8))


def test_it_reads_the_understanding_shape() -> None:
    understood = {"after": None, "before": "08:00", "weekdays": ["mon", "tue", "wed", "thu", "fri"]}

    assert from_understanding(understood) == [TimeWindow(WEEKDAYS, None, time(8))]


def test_it_splits_before_or_after_from_the_understanding_into_two_windows() -> None:
    understood = {"after": "17:00", "before": "08:00", "weekdays": ["sat"]}

    assert from_understanding(understood) == [
        TimeWindow(frozenset({5}), None, time(8)),
        TimeWindow(frozenset({5}), time(17), None),
    ]


def test_it_treats_an_empty_understanding_as_any_time() -> None:
    assert from_understanding({"after": None, "before": None, "weekdays": []}) == []
    assert from_understanding(None) == []


def test_it_refuses_a_malformed_understanding() -> None:
    with pytest.raises(InvalidArgument) as caught:
        from_understanding({"after": "5pm", "weekdays": ["funday"]})

    assert "after='5pm' is not a local time in HH:MM form" in caught.value.message
    assert "weekday 'funday' is not one of" in caught.value.message


def test_it_describes_a_window_the_way_it_parses() -> None:
    for text in ("weekdays 06:00-08:00", "sat before 12:00", "after 17:00", "mon,wed"):
        assert parse_window(text)[0].describe() == text
