"""Referrals: the board, one referral's timeline and its legal moves, the nudge list."""

from __future__ import annotations

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World, at

from referraldesk.db.session import session_factory, session_scope
from referraldesk.models import AuditEvent, OutboundMessage, Referral, ReferringPractice
from referraldesk.referrals.referrers import TELL_BY_HAND


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


def _letters_for_a_practice_told_by_hand(
    engine: Engine, count: int, *, protocol: str = "none", fax: str | None = None
) -> tuple[str, list[str]]:
    """A practice first seen at intake (protocol "none", unless told otherwise) with `count`
    referrals whose status letters wait in the outbox; (practice id, referral ids)."""
    with session_scope(engine) as session:
        practice = ReferringPractice(name="Kaweah Walk-in Clinic", protocol=protocol, fax=fax)
        session.add(practice)
        session.flush()
        referrals = session.scalars(select(Referral).where(Referral.status == "scheduled")
                                    .order_by(Referral.id).limit(count)).all()
        assert len(referrals) == count
        for minutes, referral in enumerate(referrals):
            referral.referring_practice_id = practice.id
            session.add(OutboundMessage(
                referral_id=referral.id, practice_id=practice.id, protocol=protocol,
                kind="scheduled", message_type="letter", payload="{}", control_id=f"L{minutes}",
                status="pending", created_at=at(5 - minutes)))
        return practice.id, [referral.id for referral in referrals]


def test_the_nudge_list_marks_a_practice_told_by_hand_with_its_letters_waiting(
    signed_in: SignIn, engine: Engine
) -> None:
    practice_id, referral_ids = _letters_for_a_practice_told_by_hand(engine, 2)

    page = signed_in("coordinator").get(f"/admin/referrals/nudges?practice={practice_id}")

    row = next(row for row in page.context["overview"] if row["practice_id"] == practice_id)
    assert (row["total"], row["letters_waiting"]) == (0, 2)
    assert row["tell_by_hand"] == TELL_BY_HAND
    assert [letter.referral_id for letter in page.context["letters"]] == referral_ids
    assert "Tell by hand" in page.text and "Status letters waiting (2)" in page.text
    for referral_id in referral_ids:
        assert f'href="/admin/referrals/{referral_id}"' in page.text
    others = [row for row in page.context["overview"] if row["practice_id"] != practice_id]
    assert all(row["letters_waiting"] == 0 for row in others)


def test_a_coordinator_prints_a_waiting_letter_and_the_export_is_audited(
    signed_in: SignIn, engine: Engine
) -> None:
    practice_id, [referral_id, _] = _letters_for_a_practice_told_by_hand(engine, 2)
    coordinator = signed_in("coordinator")
    page = coordinator.get(f"/admin/referrals/nudges?practice={practice_id}")
    link = f"/admin/referrals/{referral_id}/status-letter.pdf"

    letter = coordinator.get(link)
    by_staff = signed_in("staff").get(link)

    assert link in page.text
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")
    assert "attachment" in letter.headers["content-disposition"]
    assert by_staff.status_code == 403
    with session_factory(engine)() as session:
        exported = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.resource_id == referral_id)).all()
    assert [event.reason for event in exported] == ["status letter"]
    staff_page = signed_in("staff").get(f"/admin/referrals/nudges?practice={practice_id}")
    assert link not in staff_page.text


def test_a_fax_practice_with_letters_waiting_is_listed_without_the_tell_by_hand_marker(
    signed_in: SignIn, engine: Engine
) -> None:
    practice_id, _ = _letters_for_a_practice_told_by_hand(engine, 1, protocol="fax",
                                                          fax="+15595550142")

    page = signed_in("coordinator").get(f"/admin/referrals/nudges?practice={practice_id}")

    row = next(row for row in page.context["overview"] if row["practice_id"] == practice_id)
    assert (row["letters_waiting"], row["tell_by_hand"]) == (1, None)
    assert "Status letters waiting (1)" in page.text and "Tell by hand" not in page.text
