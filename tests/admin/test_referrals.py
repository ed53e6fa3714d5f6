"""Referrals: the board, one referral's timeline and its legal moves, the nudge list."""

from __future__ import annotations

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk.db.session import session_scope
from referraldesk.models import Referral


def test_the_board_has_a_column_per_open_state_with_its_count(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get("/admin/referrals")

    columns = {column.state: column.count for column in page.context["columns"]}
    assert list(columns) == ["received", "needs_info", "accepted", "contacting", "scheduled",
                             "no_show", "visit_kept"]
    assert columns["contacting"] == 4 and columns["needs_info"] == 2
    assert page.context["counts"]["closed"] == 1


def test_the_board_narrows_to_one_referring_practice(signed_in: SignIn, engine: Engine) -> None:
    with session_scope(engine) as session:
        practice_id, expected = session.execute(
            select(Referral.referring_practice_id, Referral.status)
            .where(Referral.status == "received")).one()

    page = signed_in("coordinator").get(f"/admin/referrals?practice={practice_id}")

    tickets = [t for column in page.context["columns"] for t in column.tickets]
    assert tickets and {t.referral.referring_practice_id for t in tickets} == {practice_id}
    assert expected in {t.referral.status for t in tickets}


def test_a_referral_shows_its_timeline_and_only_its_legal_moves(
    signed_in: SignIn, world: World
) -> None:
    page = signed_in("coordinator").get(f"/admin/referrals/{world.received_referral_id}")

    assert page.context["moves"] == ["needs_info", "accepted", "rejected", "cancelled"]
    assert 'name="to_status" value="accepted"' in page.text
    assert 'value="scheduled"' not in page.text
    assert "integration:valley-family-medicine" in page.text


def test_staff_see_a_referral_but_get_no_move_buttons(signed_in: SignIn, world: World) -> None:
    page = signed_in("staff").get(f"/admin/referrals/{world.received_referral_id}")

    assert page.status_code == 200
    assert 'name="to_status"' not in page.text


def test_a_move_is_recorded_with_who_and_why(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    response = signed_in("coordinator").post(
        f"/admin/referrals/{world.received_referral_id}/move",
        {"to_status": "accepted", "reason": "in network, complete"})

    assert response.status_code == 303
    with session_scope(engine) as session:
        referral = session.get(Referral, world.received_referral_id)
        assert referral is not None and referral.status == "accepted"
        step = referral.history[-1]
        assert (step.actor, step.reason) == ("staff:coordinator@valle.example.org",
                                             "in network, complete")


def test_an_illegal_move_is_refused_naming_the_legal_ones_and_changes_nothing(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    page = signed_in("coordinator").post(f"/admin/referrals/{world.received_referral_id}/move",
                                         {"to_status": "closed"})

    assert page.status_code == 409
    assert "cannot move from received to closed" in page.text
    assert "accepted, cancelled, needs_info, rejected" in page.text
    with session_scope(engine) as session:
        assert session.get(Referral, world.received_referral_id).status == "received"  # type: ignore[union-attr]


def test_losing_a_referral_needs_a_leakage_reason(signed_in: SignIn, world: World) -> None:
    coordinator = signed_in("coordinator")

    refused = coordinator.post(f"/admin/referrals/{world.received_referral_id}/move",
                               {"to_status": "rejected"})
    accepted = coordinator.post(f"/admin/referrals/{world.received_referral_id}/move",
                                {"to_status": "rejected", "leakage_reason": "out_of_network"})

    assert refused.status_code == 422 and "needs a leakage_reason" in refused.text
    assert accepted.status_code == 303


def test_the_nudge_list_groups_by_practice_and_says_what_to_ask(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get("/admin/referrals/nudges")

    overview = page.context["overview"]
    assert sum(row["needs_info"] for row in overview) == 2
    assert page.context["nudges"]
    assert "send what is missing" in page.text or "help us reach the patient" in page.text


def test_a_state_list_pages_and_an_unknown_state_is_named(signed_in: SignIn) -> None:
    coordinator = signed_in("coordinator")

    listed = coordinator.get("/admin/referrals/state/contacting")
    unknown = coordinator.get("/admin/referrals/state/lost")

    assert listed.context["total"] == 4 and len(listed.context["tickets"]) == 4
    assert unknown.status_code == 422 and "is not a referral status" in unknown.text
