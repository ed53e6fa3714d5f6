"""Relative weekdays, said on every day of the week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from referraldesk.understanding import understand

from .conftest import SITE

MONDAY = date(2026, 3, 2)
EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ES = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
PAIRS = [(said_on, target) for said_on in range(7) for target in range(7)]


def _on(weekday: int) -> datetime:
    day = MONDAY + timedelta(days=weekday)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=SITE)


def _coming(said_on: int, target: int) -> str:
    ahead = (target - said_on) % 7 or 7
    return (MONDAY + timedelta(days=said_on + ahead)).isoformat()


@pytest.mark.parametrize(("said_on", "target"), PAIRS)
def test_it_reads_next_weekday_as_the_coming_one_and_a_week_later_on_that_day(
    said_on: int, target: int
) -> None:
    assert understand(f"next {EN[target]}", now=_on(said_on), lang="en").dates == [
        _coming(said_on, target)
    ]


@pytest.mark.parametrize(("said_on", "target"), PAIRS)
def test_it_reads_el_proximo_weekday_like_next(said_on: int, target: int) -> None:
    assert understand(f"el próximo {ES[target]}", now=_on(said_on), lang="es").dates == [
        _coming(said_on, target)
    ]


@pytest.mark.parametrize(("said_on", "target"), PAIRS)
def test_it_reads_el_weekday_que_viene_like_next(said_on: int, target: int) -> None:
    assert understand(f"el {ES[target]} que viene", now=_on(said_on), lang="es").dates == [
        _coming(said_on, target)
    ]


@pytest.mark.parametrize(("said_on", "target"), PAIRS)
def test_it_reads_a_bare_weekday_as_today_or_the_next_one(said_on: int, target: int) -> None:
    ahead = (target - said_on) % 7
    expected = (MONDAY + timedelta(days=said_on + ahead)).isoformat()

    assert understand(f"el {ES[target]}", now=_on(said_on), lang="es").dates == [expected]


def test_it_reads_tuesday_said_on_wednesday_as_next_week() -> None:
    assert understand("Tuesday", now=_on(2), lang="en").dates == ["2026-03-10"]


def test_it_resolves_explicit_past_weekdays_to_the_past() -> None:
    assert understand("last Friday", now=_on(2), lang="en").dates == ["2026-02-27"]
    assert understand("el viernes pasado", now=_on(2), lang="es").dates == ["2026-02-27"]


def test_it_reads_this_saturday_and_el_sabado_as_the_coming_saturday() -> None:
    assert understand("this Saturday", now=_on(2), lang="en").dates == ["2026-03-07"]
    assert understand("el sábado", now=_on(2), lang="es").dates == ["2026-03-07"]


def test_it_reads_a_weekday_of_next_week() -> None:
    assert understand("el martes de la próxima semana", now=_on(0), lang="es").dates == [
        "2026-03-10"
    ]
    assert understand("next week Wednesday", now=_on(0), lang="en").dates == ["2026-03-11"]
