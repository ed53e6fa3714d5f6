"""A referrer changes a referral (REF^I13, OMG^O19 with ORC XO, a FHIR PUT): a new urgency
moves the target date, counted from the change, unless the change names its own window."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION, read_ack, sample

from referraldesk.intake.fhir.service import receive_fhir
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import AuditEvent, Referral

Freeze = Callable[[datetime | str], datetime]
KNEE = "ref_i12_orthopedics.hl7"
HEART = "omg_o19_360x_cardiology.hl7"
PEDS = "fhir_bundle_peds_referral.json"
# The change arrives Thursday 2026-03-05 09:00 PST (17:00 UTC), a day after intake.
CHANGED_AT = "2026-03-05T09:00:00-08:00"


def lines(name: str) -> list[str]:
    return [line for line in sample(name).replace("\r\n", "\r").split("\r") if line]


def message(segments: list[str]) -> str:
    return "\r".join(segments) + "\r"


def replaced(segments: list[str], prefix: str, new: str) -> list[str]:
    return [new if line.startswith(prefix) else line for line in segments]


def send(db: Session, text: str) -> Referral:
    outcome = receive_hl7(db, INTEGRATION, text, channel="hl7_http")
    assert outcome.applied, outcome.summary
    assert read_ack(outcome.reply).code == "AA"
    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None
    db.refresh(referral)
    return referral


def knee_i13_stat() -> str:
    segments = lines(KNEE)
    segments[0] = segments[0].replace("REF^I12^REF_I12", "REF^I13^REF_I12").replace(
        "VFM20260303-0042", "VFM20260305-0007")
    rf1 = next(line for line in segments if line.startswith("RF1|"))
    return message(replaced(segments, "RF1|", rf1.replace("R^Routine^HL70280", "S^Stat^HL70280")))


def heart_without_window(control: str, priority: str, control_id: str) -> str:
    segments = lines(HEART)
    segments[0] = segments[0].replace("EMG-77120", control_id)
    orc = next(line for line in segments if line.startswith("ORC|"))
    segments = replaced(segments, "ORC|", f"ORC|{control}|" + orc.split("|", 2)[2])
    return message(replaced(segments, "TQ1|", f"TQ1|||||||||{priority}^HL70485"))


def test_an_i13_that_makes_the_referral_urgent_moves_its_target(
    db: Session, frozen_now: Freeze
) -> None:
    routine = send(db, sample(KNEE))
    assert (routine.urgency, routine.target_date) == ("routine", date(2026, 3, 25))
    frozen_now(CHANGED_AT)

    urgent = send(db, knee_i13_stat())

    assert urgent.id == routine.id
    # 48 hours (no prior authorization) from the I13, not from the first message.
    assert (urgent.urgency, urgent.target_date) == ("urgent", date(2026, 3, 7))
    reasons = [event.reason for event in db.query(AuditEvent).filter(
        AuditEvent.resource_id == urgent.id, AuditEvent.action == "update")]
    assert "changed by the referring practice: urgency, target_date" in reasons


def test_an_orc_xo_that_makes_it_routine_moves_its_target_and_drops_the_old_window(
    db: Session, frozen_now: Freeze
) -> None:
    stat = send(db, sample(HEART))
    assert (stat.urgency, stat.requested_from, stat.target_date) == (
        "urgent", date(2026, 9, 8), date(2026, 9, 15))
    frozen_now(CHANGED_AT)

    routine = send(db, heart_without_window("XO", "R^Routine", "EMG-77121"))

    assert routine.id == stat.id
    # 15 business days counted from Thursday 5 March.
    assert (routine.urgency, routine.requested_from, routine.target_date) == (
        "routine", None, date(2026, 3, 26))


def test_an_orc_xo_naming_its_own_window_keeps_that_window(
    db: Session, frozen_now: Freeze
) -> None:
    routine = send(db, heart_without_window("NW", "R^Routine", "EMG-77120"))
    assert routine.target_date == date(2026, 3, 25)
    frozen_now(CHANGED_AT)
    segments = lines(HEART)
    segments[0] = segments[0].replace("EMG-77120", "EMG-77122")
    orc = next(line for line in segments if line.startswith("ORC|"))

    urgent = send(db, message(replaced(segments, "ORC|", "ORC|XO|" + orc.split("|", 2)[2])))

    assert urgent.id == routine.id
    assert (urgent.urgency, urgent.requested_from, urgent.target_date) == (
        "urgent", date(2026, 9, 8), date(2026, 9, 15))


def test_a_fhir_put_that_makes_the_referral_urgent_moves_its_target(
    db: Session, frozen_now: Freeze
) -> None:
    bundle = json.loads(sample(PEDS))
    first = receive_fhir(db, INTEGRATION, json.dumps(bundle), sender="tulare-peds")
    frozen_now(CHANGED_AT)
    [entry] = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"]
    entry["resource"]["priority"] = "urgent"
    del entry["resource"]["occurrencePeriod"]
    entry["request"] = {"method": "PUT", "url": "ServiceRequest?identifier=TCH-REF-7781"}

    changed = receive_fhir(db, INTEGRATION, json.dumps(bundle), sender="tulare-peds")

    assert (first.http_status, changed.http_status) == (201, 200)
    referral = db.get(Referral, first.referral_id)
    assert referral is not None and changed.referral_id == referral.id
    assert (referral.urgency, referral.requested_from, referral.target_date) == (
        "urgent", None, date(2026, 3, 7))
