from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from referraldesk.referrals.targets import add_business_days, target_date_for

LA = ZoneInfo("America/Los_Angeles")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LA)  # type: ignore[misc]


class TestUrgent:
    def test_it_gives_96_hours_when_authorization_is_needed(self) -> None:
        # 2026-03-04 10:00 PST + 96 h crosses the DST change: 2026-03-08 11:00 PDT.
        assert target_date_for(local(2026, 3, 4, 10), "urgent", {}, "America/Los_Angeles") == date(
            2026, 3, 8
        )

    def test_it_gives_48_hours_without_prior_authorization(self) -> None:
        target = target_date_for(
            local(2026, 3, 4, 10), "urgent", {}, LA, authorization_required=False
        )

        assert target == date(2026, 3, 6)

    def test_it_reads_the_deadline_on_the_practice_calendar(self) -> None:
        # 23:30 PST is already the next day in UTC; the target is a local date.
        target = target_date_for(
            local(2026, 3, 4, 23, 30), "urgent", None, LA, authorization_required=False
        )

        assert target == date(2026, 3, 6)


class TestRoutine:
    def test_it_gives_15_business_days(self) -> None:
        assert target_date_for(local(2026, 3, 4, 10), "routine", {}, LA) == date(2026, 3, 25)

    def test_it_skips_weekends_and_a_holiday(self) -> None:
        received = local(2026, 5, 15, 9)  # a Friday; Memorial Day is Monday 2026-05-25

        with_holiday = target_date_for(received, "routine", {}, LA, closed_days={date(2026, 5, 25)})
        without = target_date_for(received, "routine", {}, LA)

        assert with_holiday == date(2026, 6, 8)
        assert without == date(2026, 6, 5)

    def test_it_counts_from_monday_for_a_saturday_referral(self) -> None:
        assert target_date_for(local(2026, 3, 7, 12), "routine", {}, LA) == date(2026, 3, 27)

    def test_it_counts_from_the_local_day_of_receipt(self) -> None:
        # 20:00 PST on Wednesday is Thursday 04:00 in UTC.
        assert target_date_for(local(2026, 3, 4, 20), "routine", {}, LA) == date(2026, 3, 25)

    def test_it_adds_business_days_past_a_closure_week(self) -> None:
        closed = {date(2026, 12, day) for day in range(24, 32)}

        assert add_business_days(date(2026, 12, 23), 1, closed) == date(2027, 1, 1)


class TestPolicy:
    @pytest.mark.parametrize(
        "policy",
        [
            {"urgent_hours": 72, "urgent_no_auth_hours": 24, "routine_business_days": 10},
            {
                "timely_access": {
                    "urgent_hours": 72,
                    "urgent_no_auth_hours": 24,
                    "routine_business_days": 10,
                }
            },
        ],
    )
    def test_it_takes_the_practice_targets_flat_or_nested(self, policy: dict[str, Any]) -> None:
        received = local(2026, 3, 4, 10)

        assert target_date_for(received, "urgent", policy, LA) == date(2026, 3, 7)
        assert target_date_for(
            received, "urgent", policy, LA, authorization_required=False
        ) == date(2026, 3, 5)
        assert target_date_for(received, "routine", policy, LA) == date(2026, 3, 18)

    def test_it_refuses_a_naive_instant(self) -> None:
        with pytest.raises(ValueError, match="no zone"):
            target_date_for(datetime(2026, 3, 4, 10), "routine", {}, LA)

    def test_it_refuses_an_unknown_urgency(self) -> None:
        with pytest.raises(ValueError, match="'soon' is neither"):
            target_date_for(local(2026, 3, 4, 10), "soon", {}, LA)
