"""What the referring practice hears, in the protocol it uses, on each move."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from tests.outreach.support import STAFF, book_first_slot, outbox, refer, register, segment

from referraldesk.loop.consult import attach_consult_note
from referraldesk.loop.visits import record_visit
from referraldesk.models import IntakeMessage
from referraldesk.referrals.transitions import transition

Freeze = Callable[[datetime | str], datetime]
NOW = "2026-07-15T17:00:00+00:00"
M1_TEXT = "Knee pain & swelling; see C:\\referrals\\ and 120^80"
M1_ESCAPED = "Knee pain \\T\\ swelling; see C:\\E\\referrals\\E\\ and 120\\S\\80"


def test_an_accepted_referral_is_answered_with_rri_i12(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), placer_id="VFM-1")

    [message] = outbox(session, referral.id)

    assert (message.protocol, message.kind, message.message_type, message.status) == (
        "hl7_mllp",
        "accepted",
        "RRI^I12",
        "pending",
    )
    msh = segment(message.payload, "MSH")
    assert msh[1:4] == ["^~\\&", "REFERRALDESK", "Sequoia Valley Occupational Health"]
    assert msh[6] == "20260715170000+0000"
    assert msh[8] == "RRI^I12^RRI_I12"
    assert msh[9] == message.control_id
    assert msh[11] == "2.5.1"
    assert segment(message.payload, "RF1")[1] == "A^Accepted^HL70283"
    assert segment(message.payload, "RF1")[11] == referral.id
    assert segment(message.payload, "PRD")[1] == "RT^Referred to provider^HL70286"
    assert segment(message.payload, "PID")[7] == "19850403"
    assert segment(message.payload, "NTE")[3] == "Status: Accepted"


def test_a_referral_that_came_as_omg_o19_is_answered_with_osu_o51(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), placer_id="VFM-2")
    session.add(
        IntakeMessage(
            channel="hl7_mllp",
            content_type="x-application/hl7-v2+er7",
            referral_id=referral.id,
            body="MSH|^~\\&|VFM_EHR|VFM|REFERRALDESK|SVOH|20260715||OMG^O19^OMG_O19|CTRL-9|P|2.5.1\r",
        )
    )
    session.flush()

    transition(session, STAFF, referral, "cancelled", reason="patient moved away")

    message = outbox(session, referral.id)[-1]
    assert message.message_type == "OSU^O51"
    assert segment(message.payload, "MSH")[4:6] == ["VFM_EHR", "VFM"]
    assert segment(message.payload, "MSA")[1:3] == ["AA", "CTRL-9"]
    orc = segment(message.payload, "ORC")
    assert (orc[1], orc[2], orc[5]) == ("SC", "VFM-2", "CA")
    assert orc[25] == "cancelled^Cancelled by referrer^REFERRALDESK"
    assert segment(message.payload, "NTE")[3] == "Status: Cancelled by referrer"


def test_a_no_show_sends_siu_s26_and_outreach_starts_again(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), placer_id="VFM-3")
    appointment = book_first_slot(session, referral)
    frozen_now(appointment.start_at + timedelta(minutes=20))

    record_visit(session, STAFF, referral.id, kept=False)

    assert referral.status == "contacting"
    assert appointment.status == "no_show"
    kinds = [(m.kind, m.message_type) for m in outbox(session, referral.id)]
    assert kinds == [("accepted", "RRI^I12"), ("scheduled", "SIU^S12"), ("no_show", "SIU^S26")]
    siu = outbox(session, referral.id)[-1].payload
    assert segment(siu, "MSH")[8] == "SIU^S26^SIU_S12"
    assert segment(siu, "SCH")[25] == "Noshow"


def test_the_consult_note_is_escaped_on_output_row_m1(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), placer_id="VFM-4")
    book_first_slot(session, referral)
    record_visit(session, STAFF, referral.id, kept=True)

    attach_consult_note(session, STAFF, referral.id, M1_TEXT)

    closed = outbox(session, referral.id)[-1]
    assert closed.kind == "closed"
    notes = [line for line in closed.payload.split("\r") if line.startswith("NTE|")]
    assert notes == ["NTE|1||Status: Closed (consult note sent)", f"NTE|2||{M1_ESCAPED}"]


def test_a_fhir_referrer_gets_a_task_update(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(
        session, register(session), placer_id="TCH-7", referring_practice="Tulare Community Health"
    )
    book_first_slot(session, referral)
    record_visit(session, STAFF, referral.id, kept=True)
    attach_consult_note(session, STAFF, referral.id, "Seen; no follow-up needed.")

    messages = outbox(session, referral.id)
    tasks = [json.loads(m.payload) for m in messages]

    assert [m.message_type for m in messages] == ["Task"] * 4
    assert [t["status"] for t in tasks] == ["accepted", "in-progress", "in-progress", "completed"]
    assert [t["businessStatus"]["coding"][0]["code"] for t in tasks] == [
        "accepted",
        "scheduled",
        "visit_kept",
        "closed",
    ]
    assert tasks[0]["focus"] == {"type": "ServiceRequest", "identifier": {"value": "TCH-7"}}
    assert tasks[1]["output"][0]["type"]["text"] == "appointment start"
    note = tasks[3]["output"][0]["valueAttachment"]["data"]
    assert base64.b64decode(note).decode("utf-8") == "Seen; no follow-up needed."


def test_a_fax_referrer_gets_a_letter_waiting_to_be_printed(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice="Mineral King Family Practice")

    [letter] = outbox(session, referral.id)

    assert (letter.protocol, letter.message_type, letter.status) == ("fax", "letter", "pending")
    assert json.loads(letter.payload)["label"] == "Accepted"


def test_a_referrer_not_in_the_practice_file_gets_a_letter_for_staff_to_send(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(
        session, register(session), referring_practice="Walk-in Clinic Nobody Configured"
    )

    [letter] = outbox(session, referral.id)

    assert referral.status == "accepted"
    assert referral.referring_practice is not None
    assert referral.referring_practice.protocol == "none"
    assert (letter.protocol, letter.kind, letter.message_type, letter.status) == (
        "none",
        "accepted",
        "letter",
        "pending",
    )
    assert json.loads(letter.payload)["label"] == "Accepted"


def test_a_rejection_tells_the_referrer_why(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), specialty="Neurosurgery", placer_id="VFM-5")
    assert referral.status == "received"

    transition(
        session,
        STAFF,
        referral,
        "rejected",
        reason="we have no neurosurgeon",
        leakage_reason="no_capacity",
    )

    [message] = outbox(session, referral.id)
    assert segment(message.payload, "RF1")[1] == "R^Rejected^HL70283"
    notes = [line for line in message.payload.split("\r") if line.startswith("NTE|")]
    assert notes == [
        "NTE|1||Status: Rejected",
        "NTE|2||Reason: no capacity",
        "NTE|3||we have no neurosurgeon",
    ]
