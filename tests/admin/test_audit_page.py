"""Audit: the trail filtered and paged, and its hash chain verified on request."""

from __future__ import annotations

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk.admin.queries.audit import known_values
from referraldesk.audit import trail
from referraldesk.audit.trail import SYSTEM
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent


def test_it_filters_the_trail_by_action_and_patient(signed_in: SignIn, world: World) -> None:
    signed_in("staff").get(f"/admin/conversations/{world.chat_id}")
    auditor = signed_in("auditor")

    page = auditor.get(f"/admin/audit?action=read&patient_id={world.patient_id}")

    rows = page.context["rows"]
    assert rows and all(e.action == "read" and e.patient_id == world.patient_id for e in rows)
    assert rows[0].reason == "transcript view"


def test_it_pages_newest_first(signed_in: SignIn, engine: Engine) -> None:
    with session_scope(engine) as session:
        for number in range(120):
            trail.record(session, SYSTEM, "read", "patient", reason=f"filler {number}")
    auditor = signed_in("auditor")

    first = auditor.get("/admin/audit")
    second = auditor.get(first.context["older_url"])

    seqs = [e.seq for e in first.context["rows"] + second.context["rows"]]
    assert len(first.context["rows"]) == 100
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)


def test_verifying_the_chain_says_it_holds(signed_in: SignIn) -> None:
    page = signed_in("admin").post("/admin/audit/verify")

    assert page.status_code == 200
    assert "The chain holds" in page.text


def test_the_filter_offers_each_action_and_resource_type_on_the_trail_once(
    signed_in: SignIn, engine: Engine
) -> None:
    with session_scope(engine) as session:
        for action, kind in [("read", "zeta"), ("export", "alpha"), ("read", "alpha")] * 3:
            trail.record(session, SYSTEM, action, kind, None)
        expected = {
            "action": sorted(set(session.scalars(select(AuditEvent.action)))),
            "resource_type": sorted(set(session.scalars(select(AuditEvent.resource_type)))),
        }

    with session_scope(engine) as session:
        offered = known_values(session)

    assert offered == expected
    assert {"read", "export"} <= set(offered["action"])
    assert {"alpha", "zeta"} <= set(offered["resource_type"])
