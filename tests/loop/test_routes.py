"""The coordinators' routes: visit, consult note, letters, outbox, worklist, nudges."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.outreach.support import book_first_slot, refer, register

from referraldesk.api.app import create_app
from referraldesk.auth import tokens

Freeze = Callable[[datetime | str], datetime]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def headers(session: Session) -> dict[str, dict[str, str]]:
    made = {
        role: tokens.create_token(session, name=role, role=role)[1]
        for role in ("coordinator", "staff")
    }
    session.commit()
    return {role: {"authorization": f"Bearer {secret}"} for role, secret in made.items()}


def test_a_coordinator_records_the_visit_and_closes_the_loop_with_the_note(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]], frozen_now: Freeze
) -> None:
    frozen_now("2026-07-15T17:00:00+00:00")
    referral = refer(session, register(session))
    book_first_slot(session, referral)
    session.commit()
    coordinator = headers["coordinator"]

    early_note = client.post(
        f"/api/referrals/{referral.id}/consult-note", json={"text": "x"}, headers=coordinator
    )
    visit = client.post(
        f"/api/referrals/{referral.id}/visit", json={"kept": True}, headers=coordinator
    )
    note = client.post(
        f"/api/referrals/{referral.id}/consult-note", json={"text": "Seen."}, headers=coordinator
    )
    bad = client.post(
        f"/api/referrals/{referral.id}/visit", json={"kept": "perhaps"}, headers=coordinator
    )
    outbox = client.get("/api/outbox?status=pending", headers=coordinator)
    letter = client.get(f"/api/referrals/{referral.id}/status-letter.pdf", headers=coordinator)
    staff = client.post(
        f"/api/referrals/{referral.id}/visit", json={"kept": True}, headers=headers["staff"]
    )

    assert early_note.status_code == 409
    assert early_note.json()["error"]["code"] == "illegal_transition"
    assert (visit.status_code, visit.json()["status"]) == (200, "visit_kept")
    assert (note.status_code, note.json()["status"]) == (200, "closed")
    assert bad.status_code == 422
    for loose in ("no", 0, "false", 1):
        refused = client.post(
            f"/api/referrals/{referral.id}/visit", json={"kept": loose}, headers=coordinator
        )
        assert refused.status_code == 422, loose
    assert [m["kind"] for m in outbox.json()] == ["closed", "visit_kept", "scheduled", "accepted"]
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF-")
    assert staff.status_code == 403


def test_the_worklist_and_the_nudges_show_what_waits(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]], frozen_now: Freeze
) -> None:
    frozen_now("2026-07-15T17:00:00+00:00")
    referral = refer(session, register(session, consents=()))
    session.commit()
    frozen_now("2026-08-10T17:00:00+00:00")  # past the 5 August target
    coordinator = headers["coordinator"]

    worklist = client.get("/api/outreach/worklist", headers=coordinator).json()
    nudges = client.get("/api/outreach/nudges", headers=coordinator).json()
    practice_id = nudges[0]["practice_id"]
    digest = client.get(
        f"/api/outreach/nudges/{practice_id}/digest.pdf?from=2026-07-01&to=2026-07-31",
        headers=coordinator,
    )
    missing = client.get("/api/outreach/nudges/nope/digest.pdf", headers=coordinator)

    assert [(w["referral_id"], w["blocked_reason"]) for w in worklist] == [
        (referral.id, "no_consent")
    ]
    assert nudges[0]["practice_name"] == "Valley Family Medicine"
    [nudge] = nudges[0]["referrals"]
    assert (nudge["referral_id"], nudge["days_past_target"]) == (referral.id, 5)
    assert digest.content.startswith(b"%PDF-")
    assert missing.status_code == 404
