"""The funnel against a hand-counted fixture of twelve referrals (and one outside the range).

Each row: practice, specialty, language, then the moves (day after receipt).

r1  VFM derm es  accepted 0, contacting 1, scheduled 3, kept 10, closed 12; visit +10
r2  VFM derm es  accepted 0, scheduled 2, kept 8; visit +8
r3  VFM orth en  accepted, contacting 1, scheduled 5, no_show 12, contacting 12,
                 scheduled 14; visit now +30
r4  VFM orth en  accepted, contacting 1, unreachable 9 (unreachable)
r5  EMG derm es  accepted, contacting 2, declined 4 (patient_declined)
r6  EMG card en  rejected 1 (out_of_network)
r7  EMG derm es  accepted, contacting 1, expired 40 (window_expired)
r8  EMG orth es  accepted, scheduled 1, kept 6, closed 9; visit +6
r9  VFM card en  needs_info 0
r10 VFM derm en  accepted, contacting 1
r11 EMG derm es  accepted, scheduled 4; visit +25
r12 VFM orth es  accepted, cancelled 2; received 31 March 23:30 PDT
out VFM derm es  received 28 February 23:30 PST: outside March

Every target is receipt + 21 days.

Hand counts: received 12; scheduled r1 r2 r3 r8 r11 = 5; kept r1 r2 r8 = 3; closed r1 r8 = 2;
lost r4 r5 r6 r7 = 4. Days to schedule 3, 2, 5, 1, 4 -> median 3.0; days to visit 10, 8, 6 ->
median 8.0. Inside the target: r1 r2 r8 of r1 r2 r3 r8 r11 = 3 of 5.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.outreach.support import register
from typer.testing import CliRunner

from referraldesk.api.app import create_app
from referraldesk.auth import tokens
from referraldesk.cli import app as cli_app
from referraldesk.cli import common
from referraldesk.models import (
    Appointment,
    Patient,
    Provider,
    Referral,
    ReferralTransition,
    ReferringPractice,
)
from referraldesk.referrals.funnel import FunnelRange, funnel

LA = ZoneInfo("America/Los_Angeles")
MARCH = FunnelRange(date(2026, 3, 1), date(2026, 3, 31), "America/Los_Angeles")
Freeze = Callable[[datetime | str], datetime]

# (name, practice, specialty, patient, path, visit day, current appointment status)
ROWS: list[tuple[str, str, str, str, list[tuple[str, int]], int | None, str]] = [
    (
        "r1",
        "VFM",
        "dermatology",
        "maria",
        [("accepted", 0), ("contacting", 1), ("scheduled", 3), ("visit_kept", 10), ("closed", 12)],
        10,
        "fulfilled",
    ),
    (
        "r2",
        "VFM",
        "dermatology",
        "luis",
        [("accepted", 0), ("scheduled", 2), ("visit_kept", 8)],
        8,
        "fulfilled",
    ),
    (
        "r3",
        "VFM",
        "orthopedics",
        "ana",
        [
            ("accepted", 0),
            ("contacting", 1),
            ("scheduled", 5),
            ("no_show", 12),
            ("contacting", 12),
            ("scheduled", 14),
        ],
        30,
        "booked",
    ),
    (
        "r4",
        "VFM",
        "orthopedics",
        "ana",
        [("accepted", 0), ("contacting", 1), ("unreachable", 9)],
        None,
        "",
    ),
    (
        "r5",
        "EMG",
        "dermatology",
        "maria",
        [("accepted", 0), ("contacting", 2), ("declined", 4)],
        None,
        "",
    ),
    ("r6", "EMG", "cardiology", "ana", [("rejected", 1)], None, ""),
    (
        "r7",
        "EMG",
        "dermatology",
        "luis",
        [("accepted", 0), ("contacting", 1), ("expired", 40)],
        None,
        "",
    ),
    (
        "r8",
        "EMG",
        "orthopedics",
        "maria",
        [("accepted", 0), ("scheduled", 1), ("visit_kept", 6), ("closed", 9)],
        6,
        "fulfilled",
    ),
    ("r9", "VFM", "cardiology", "ana", [("needs_info", 0)], None, ""),
    ("r10", "VFM", "dermatology", "ana", [("accepted", 0), ("contacting", 1)], None, ""),
    ("r11", "EMG", "dermatology", "luis", [("accepted", 0), ("scheduled", 4)], 25, "booked"),
    ("r12", "VFM", "orthopedics", "maria", [("accepted", 0), ("cancelled", 2)], None, ""),
    ("out", "VFM", "dermatology", "maria", [("accepted", 0), ("scheduled", 1)], None, ""),
]
LEAKAGE = {
    "r4": "unreachable",
    "r5": "patient_declined",
    "r6": "out_of_network",
    "r7": "window_expired",
}
PRACTICES = {"VFM": "Valley Family Medicine", "EMG": "Exeter Medical Group"}


def received_at(name: str) -> datetime:
    if name == "r12":
        return datetime(2026, 4, 1, 6, 30, tzinfo=UTC)  # 31 March, 23:30 PDT
    if name == "out":
        return datetime(2026, 3, 1, 7, 30, tzinfo=UTC)  # 28 February, 23:30 PST
    return datetime(2026, 3, 1 + int(name[1:]), 18, 0, tzinfo=UTC)


def build_fixture(session: Session) -> dict[str, Referral]:
    patients = {
        "ana": register(session, given="Ana", surnames=("Reyes",), language="en", consents=()),
        "maria": register(session, phone="+15595550144", consents=()),
        "luis": register(
            session, given="Luis", surnames=("Soto",), phone="+15595550145", consents=()
        ),
    }
    practices = {
        key: session.scalar(select(ReferringPractice).where(ReferringPractice.name == name))
        for key, name in PRACTICES.items()
    }
    made = {}
    for name, practice, specialty, who, path, visit_day, appointment_status in ROWS:
        start = received_at(name)
        referral = Referral(
            patient_id=patients[who].id,
            status=path[-1][0],
            specialty_key=specialty,
            reason="fixture",
            urgency="routine",
            target_date=(start + timedelta(days=21)).astimezone(LA).date(),
            referring_practice_id=practices[practice].id,
            received_at=start,
            leakage_reason=LEAKAGE.get(name),
        )
        session.add(referral)
        session.flush()
        previous = "received"
        referral.history.append(
            ReferralTransition(
                seq=1, from_status=None, to_status="received", at=start, actor="fixture"
            )
        )
        for seq, (status, days) in enumerate(path, start=2):
            referral.history.append(
                ReferralTransition(
                    seq=seq,
                    from_status=previous,
                    to_status=status,
                    at=start + timedelta(days=days),
                    actor="fixture",
                )
            )
            previous = status
        if visit_day is not None:
            referral.appointment_id = _appointment(
                session, referral, start + timedelta(days=visit_day), appointment_status
            )
        made[name] = referral
    session.flush()
    return made


def _appointment(session: Session, referral: Referral, start: datetime, status: str) -> str:
    provider = session.scalars(
        select(Provider).where(Provider.specialty_key == referral.specialty_key)
    ).first()
    assert provider is not None
    appointment = Appointment(
        patient_id=referral.patient_id,
        provider_id=provider.id,
        location_id=provider.locations[0].id,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        timezone="America/Los_Angeles",
        status=status,
        referral_id=referral.id,
    )
    session.add(appointment)
    session.flush()
    return appointment.id


@pytest.fixture
def figures(session: Session, frozen_now: Freeze) -> dict[str, Any]:
    frozen_now("2026-04-20T17:00:00+00:00")
    build_fixture(session)
    session.commit()
    computed = funnel(session, MARCH)
    session.commit()  # end the read: SQLite lets one transaction at a time in
    return computed


def test_it_counts_each_stage_of_the_funnel(figures: dict[str, Any]) -> None:
    assert figures["counts"] == {"received": 12, "scheduled": 5, "kept": 3, "closed": 2, "lost": 4}
    assert figures["rates"] == {"scheduled": 0.417, "kept": 0.6, "closed": 0.667}
    assert figures["of_received"] == {
        "scheduled": 0.417,
        "kept": 0.25,
        "closed": 0.167,
        "lost": 0.333,
    }


def test_it_measures_the_median_days_and_the_timely_share(figures: dict[str, Any]) -> None:
    assert figures["median_days_to_schedule"] == 3.0
    assert figures["median_days_to_visit"] == 8.0
    assert figures["timely_access"] == {"within_target": 3, "with_appointment": 5, "share": 0.6}


def test_it_counts_leakage_by_reason(figures: dict[str, Any]) -> None:
    assert figures["leakage"] == {
        "out_of_network": 1,
        "patient_declined": 1,
        "unreachable": 1,
        "window_expired": 1,
    }


def test_it_breaks_the_funnel_down_by_practice_specialty_and_language(
    figures: dict[str, Any],
) -> None:
    def rows(key: str) -> list[tuple[Any, ...]]:
        return [
            (r["name"], r["received"], r["scheduled"], r["kept"], r["closed"], r["lost"])
            for r in figures[key]
        ]

    assert rows("by_referring_practice") == [
        ("Valley Family Medicine", 7, 3, 2, 1, 1),
        ("Exeter Medical Group", 5, 2, 1, 1, 3),
    ]
    assert rows("by_specialty") == [
        ("dermatology", 6, 3, 2, 1, 2),
        ("orthopedics", 4, 2, 1, 1, 1),
        ("cardiology", 2, 0, 0, 0, 1),
    ]
    assert rows("by_language") == [("es", 7, 4, 3, 2, 2), ("en", 5, 1, 0, 0, 2)]


def test_an_empty_range_has_no_rates(session: Session) -> None:
    empty = funnel(session, FunnelRange(date(2025, 1, 1), date(2025, 1, 31), "America/Los_Angeles"))

    assert empty["counts"] == {"received": 0, "scheduled": 0, "kept": 0, "closed": 0, "lost": 0}
    assert empty["rates"] == {"scheduled": None, "kept": None, "closed": None}
    assert empty["median_days_to_schedule"] is None


def test_the_figures_name_no_patient_or_referral(session: Session, figures: dict[str, Any]) -> None:
    # What lets the auditor read them (api/access.py AGGREGATES).
    text = json.dumps(figures, ensure_ascii=False)
    ids = [*session.scalars(select(Patient.id)), *session.scalars(select(Referral.id))]

    assert len(ids) == 16
    assert [value for value in ids if value in text] == []
    assert [word for word in ("Ana", "Reyes", "María", "Luis", "1985-04-03") if word in text] == []


def test_the_route_serves_the_same_figures_to_a_coordinator_and_an_auditor_only(
    engine: Engine, session: Session, figures: dict[str, Any]
) -> None:
    _, coordinator = tokens.create_token(session, name="coord", role="coordinator")
    _, auditor = tokens.create_token(session, name="audit", role="auditor")
    _, integration = tokens.create_token(session, name="ehr", role="integration")
    session.commit()

    with TestClient(create_app(engine)) as client:
        ok = client.get(
            "/api/metrics/referrals?from=2026-03-01&to=2026-03-31",
            headers={"authorization": f"Bearer {coordinator}"},
        )
        audited = client.get(
            "/api/metrics/referrals?from=2026-03-01&to=2026-03-31",
            headers={"authorization": f"Bearer {auditor}"},
        )
        refused = client.get(
            "/api/metrics/referrals", headers={"authorization": f"Bearer {integration}"}
        )
        backwards = client.get(
            "/api/metrics/referrals?from=2026-03-31&to=2026-03-01",
            headers={"authorization": f"Bearer {coordinator}"},
        )

    assert ok.status_code == 200
    assert ok.json() == figures
    assert audited.status_code == 200
    assert audited.json() == figures
    assert refused.status_code == 403
    assert backwards.status_code == 422
    assert backwards.json()["error"]["field"] == "from"


def test_the_report_command_prints_the_funnel(
    figures: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)

    result = CliRunner().invoke(
        cli_app, ["referrals", "report", "--from", "2026-03-01", "--to", "2026-03-31"]
    )

    assert result.exit_code == 0, result.output
    assert "  received   12" in result.output
    assert "  scheduled  5  (41.7% of received)" in result.output
    assert "median days to schedule: 3.0" in result.output
    assert (
        "leakage: out_of_network 1, patient_declined 1, unreachable 1, window_expired 1"
        in result.output
    )


def test_the_report_prints_a_median_of_zero_days_and_a_dash_for_none(
    session: Session, frozen_now: Freeze, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)
    frozen_now("2026-04-20T17:00:00+00:00")
    r8 = build_fixture(session)["r8"]
    # r8 (received 9 March, the only referral that day) is now booked two hours in.
    scheduled = next(t for t in r8.history if t.to_status == "scheduled")
    scheduled.at = r8.received_at + timedelta(hours=2)
    session.commit()

    booked_same_day = CliRunner().invoke(
        cli_app, ["referrals", "report", "--from", "2026-03-09", "--to", "2026-03-09"]
    )
    none_booked = CliRunner().invoke(  # r4 alone, never booked
        cli_app, ["referrals", "report", "--from", "2026-03-05", "--to", "2026-03-05"]
    )

    assert booked_same_day.exit_code == 0, booked_same_day.output
    assert "median days to schedule: 0.0\n" in booked_same_day.output
    assert "median days to visit:    6.0\n" in booked_same_day.output
    assert "median days to schedule: -\n" in none_booked.output
    assert "median days to visit:    -\n" in none_booked.output
