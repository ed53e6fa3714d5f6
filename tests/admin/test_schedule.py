"""Schedule: a provider's week and day with bookings and open slots."""

from __future__ import annotations

from datetime import date

from tests.admin.conftest import SignIn
from tests.admin.world import World


def test_a_week_has_seven_days_from_monday_with_bookings_and_open_slots(
    signed_in: SignIn, world: World
) -> None:
    page = signed_in("staff").get(f"/admin/schedule?provider={world.provider_id}&day=2026-03-11")

    days = page.context["days"]
    assert list(days) == [date(2026, 3, 9 + n) for n in range(7)]
    kinds = {entry.kind for entries in days.values() for entry in entries}
    assert {"booked", "open"} <= kinds
    for entries in days.values():
        assert [e.start for e in entries] == sorted(e.start for e in entries)


def test_a_day_view_shows_one_day(signed_in: SignIn, world: World) -> None:
    page = signed_in("staff").get(
        f"/admin/schedule?provider={world.provider_id}&day=2026-03-12&view=day")

    assert list(page.context["days"]) == [date(2026, 3, 12)]


def test_an_unknown_provider_or_view_is_named(signed_in: SignIn) -> None:
    staff = signed_in("staff")

    assert "there is no provider with id" in staff.get("/admin/schedule?provider=x").text
    assert staff.get("/admin/schedule?view=month").status_code == 422
