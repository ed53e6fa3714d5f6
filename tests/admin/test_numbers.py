"""Numbers: the range, the charts, and what the agent saved."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn

from referraldesk import clock
from referraldesk.db.session import session_scope
from referraldesk.models import Referral, ReferralTransition


def test_it_defaults_to_the_last_thirty_days_and_draws_every_chart(signed_in: SignIn) -> None:
    page = signed_in("auditor").get("/admin/numbers")

    assert page.status_code == 200
    assert (page.context["first"].isoformat(), page.context["last"].isoformat()) == (
        "2026-02-09", "2026-03-10")
    assert set(page.context["charts"]) == {"funnel", "leakage", "days_to_schedule", "volume",
                                           "by_hour", "intents", "sentiment", "satisfaction"}
    assert page.text.count("<svg") == 8
    assert 'aria-label="Referral funnel"' in page.text


def test_the_agent_savings_count_only_what_needed_no_person(signed_in: SignIn) -> None:
    savings = signed_in("coordinator").get("/admin/numbers").context["savings"]

    # The booked chat needed nobody; the transferred call left a task for staff.
    assert (savings["handled"], savings["minutes_per_call"], savings["minutes_saved"]) == (1, 6, 6)


def test_it_counts_referrals_the_agent_booked_after_their_target(
    signed_in: SignIn, engine: Engine
) -> None:
    with session_scope(engine) as session:
        referral = session.scalars(select(Referral).where(Referral.status == "contacting")).first()
        assert referral is not None
        referral.target_date = clock.now().date() - timedelta(days=3)
        referral.history.append(ReferralTransition(
            seq=99, from_status="contacting", to_status="scheduled", at=clock.now(),
            actor="agent:c0ffee", reason="booked by the caller"))

    savings = signed_in("coordinator").get("/admin/numbers").context["savings"]

    assert (savings["agent_bookings"], savings["past_due_booked"]) == (1, 1)


def test_filtering_the_range_changes_the_figures(signed_in: SignIn) -> None:
    coordinator = signed_in("coordinator")

    wide = coordinator.get("/admin/numbers?from=2026-03-01&to=2026-03-10")
    narrow = coordinator.get("/admin/numbers?from=2026-03-10&to=2026-03-10")

    assert wide.context["conversations"]["total"] == 3
    assert narrow.context["conversations"]["total"] == 2
    assert 'value="2026-03-10"' in narrow.text


def test_a_reversed_range_is_refused_with_the_fix(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get("/admin/numbers?from=2026-03-10&to=2026-03-01")

    assert page.status_code == 422
    assert "swap the dates" in page.text
