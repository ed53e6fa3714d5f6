"""Practice: edits go through the same checks and loader as the practice file."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn

from referraldesk.db.session import session_scope
from referraldesk.models import Closure, Location, OfficeHours, Practice

TULARE_WEEK = {f"hours_{day}": "08:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def _hours(engine: Engine, key: str) -> dict[int, list[tuple[time, time]]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(OfficeHours).join(Location).where(Location.key == key)
                               .order_by(OfficeHours.weekday, OfficeHours.opens)).all()
        found: dict[int, list[tuple[time, time]]] = {}
        for row in rows:
            found.setdefault(row.weekday, []).append((row.opens, row.closes))
        return found


def test_it_shows_providers_services_hours_closures_and_languages(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/practice")

    config = page.context["config"]
    assert len(config["providers"]) == 19 and config["services"] and config["closures"]
    assert "06:30-19:30" in page.text
    assert 'action="/admin/practice/locations/visalia/hours"' not in page.text


def test_editing_office_hours_applies_them(signed_in: SignIn, engine: Engine) -> None:
    response = signed_in("admin").post("/admin/practice/locations/tulare/hours",
                                       {**TULARE_WEEK, "hours_sat": "09:00-12:00, 13:00-14:00"})

    assert response.status_code == 303
    hours = _hours(engine, "tulare")
    assert hours[5] == [(time(9), time(12)), (time(13), time(14))]
    assert hours[0] == [(time(8), time(17))]


def test_hours_that_do_not_parse_are_refused_each_named_and_nothing_changes(
    signed_in: SignIn, engine: Engine
) -> None:
    before = _hours(engine, "tulare")

    page = signed_in("admin").post("/admin/practice/locations/tulare/hours",
                                   {**TULARE_WEEK, "hours_mon": "25:00-26:00",
                                    "hours_tue": "17:00-08:00"})

    assert page.status_code == 422
    problems = page.context["problems"]
    assert any("hours.mon" in p and "hours go 00-23" in p for p in problems)
    assert any("hours.tue" in p and "ends before it starts" in p for p in problems)
    assert _hours(engine, "tulare") == before


def test_hours_that_would_leave_a_providers_week_outside_them_are_refused(
    signed_in: SignIn, engine: Engine
) -> None:
    page = signed_in("admin").post("/admin/practice/locations/visalia/hours",
                                   {f"hours_{d}": "10:00-11:00" for d in ("mon", "tue", "wed")})

    assert page.status_code == 422
    assert any(p.startswith("providers[") for p in page.context["problems"])
    assert _hours(engine, "visalia")[0] == [(time(6, 30), time(19, 30))]


def test_a_holiday_is_added_and_removed(signed_in: SignIn, engine: Engine) -> None:
    admin = signed_in("admin")

    added = admin.post("/admin/practice/closures", {"name": "Staff retreat", "date": "2026-06-05",
                                                    "location": "tulare"})
    with session_scope(engine) as session:
        closure = session.scalar(select(Closure).where(Closure.name == "Staff retreat"))
        assert closure is not None and closure.starts_on == date(2026, 6, 5)
        assert closure.location_id is not None
    removed = admin.post("/admin/practice/closures/remove",
                         {"name": "Staff retreat", "date": "2026-06-05"})

    assert added.status_code == removed.status_code == 303
    with session_scope(engine) as session:
        assert session.scalar(select(Closure).where(Closure.name == "Staff retreat")) is None


def test_a_closure_ending_before_it_starts_is_refused(signed_in: SignIn) -> None:
    backwards = {"name": "Backwards", "date": "2026-06-05", "until": "2026-06-01"}

    page = signed_in("admin").post("/admin/practice/closures", backwards)

    assert page.status_code == 422
    assert any("ends (2026-06-01) before it starts" in p for p in page.context["problems"])


def test_languages_and_coverage_are_changed_and_an_empty_language_list_refused(
    signed_in: SignIn, engine: Engine
) -> None:
    admin = signed_in("admin")

    saved = admin.post("/admin/practice/service",
                       {"language_en": "on", "coverage_mode": "after_hours"})
    refused = admin.post("/admin/practice/service", {"coverage_mode": "full_day"})

    assert saved.status_code == 303 and refused.status_code == 422
    with session_scope(engine) as session:
        practice = session.scalars(select(Practice)).one()
        assert (practice.languages, practice.coverage_mode) == (["en"], "after_hours")
