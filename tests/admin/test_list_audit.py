"""A list view records which patients it showed: "who saw patient X" finds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World, email

from referraldesk.audit import trail
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent, Patient

Shown = Callable[[dict[str, Any]], set[str]]


def email_actor(role: str) -> str:
    return f"staff:{email(role)}"


def _audited(engine: Engine, actor: str, reason_start: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.actor == actor).order_by(AuditEvent.seq)
        ).all()
        session.expunge_all()
    return [event for event in events if (event.reason or "").startswith(reason_start)]


def _chain_problems(engine: Engine) -> list[trail.ChainProblem]:
    with session_scope(engine) as session:
        return list(trail.verify(session))


def test_a_search_that_shows_a_patient_records_that_the_user_saw_them(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    with session_scope(engine) as session:
        patient = session.get(Patient, world.patient_id)
        assert patient is not None
        name = patient.given_names

    page = signed_in("coordinator").get(f"/admin/patients?name={name}")

    found = [p.id for p in page.context["found"]]
    assert world.patient_id in found
    events = _audited(engine, email_actor("coordinator"), "patient search")
    assert [(e.action, e.resource_type, e.patient_id) for e in events] == [
        ("read", "patient", patient_id) for patient_id in found
    ]
    assert {e.reason for e in events} == {f"patient search ({len(found)} found)"}
    assert _chain_problems(engine) == []


def test_a_search_that_finds_nobody_still_records_the_search(
    signed_in: SignIn, engine: Engine
) -> None:
    signed_in("staff").get("/admin/patients?name=Nobodyhere")

    events = _audited(engine, email_actor("staff"), "patient search")
    assert [(e.patient_id, e.reason) for e in events] == [(None, "patient search (0 found)")]


def _schedule(context: dict[str, Any]) -> set[str]:
    return {e.patient_id for entries in context["days"].values() for e in entries if e.patient_id}


def _today(context: dict[str, Any]) -> set[str]:
    return {
        *(row["task"].patient_id for row in context["tasks"]["rows"]),
        *(row.conversation.patient_id for row in context["flagged"]["rows"]),
        *(row.referral.patient_id for row in context["outreach"]["rows"]),
        *(row["appointment"].patient_id for row in context["bookings"]["rows"]),
    } - {None}


def _board(context: dict[str, Any]) -> set[str]:
    return {t.referral.patient_id for column in context["columns"] for t in column.tickets}


def _state(context: dict[str, Any]) -> set[str]:
    return {ticket.referral.patient_id for ticket in context["tickets"]}


def _nudges(context: dict[str, Any]) -> set[str]:
    return {nudge["referral"].patient_id for nudge in context["nudges"]}


def _conversations(context: dict[str, Any]) -> set[str]:
    return {row.conversation.patient_id for row in context["rows"]} - {None}


@pytest.mark.parametrize(
    ("url", "reason_start", "shown"),
    [
        ("/admin/schedule?provider={provider}&day=2026-03-11", "schedule week", _schedule),
        ("/admin/today", "today page", _today),
        ("/admin/referrals", "referral board", _board),
        ("/admin/referrals/state/received", "referrals in received", _state),
        ("/admin/referrals/nudges", "nudge list", _nudges),
        ("/admin/conversations?from=2026-01-01&to=2026-12-31", "conversation list",
         _conversations),
    ],
    ids=["schedule", "today", "referral board", "referral state", "nudges", "conversations"],
)
def test_each_list_view_records_every_patient_it_showed(
    signed_in: SignIn, world: World, engine: Engine, url: str, reason_start: str, shown: Shown
) -> None:
    page = signed_in("coordinator").get(url.format(provider=world.provider_id))

    assert page.status_code == 200
    expected = shown(page.context)
    assert expected, "the world shows at least one patient on this page"
    events = _audited(engine, email_actor("coordinator"), reason_start)
    assert {e.patient_id for e in events} == expected
    assert len(events) == len(expected)
    assert _chain_problems(engine) == []


