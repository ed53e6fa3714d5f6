"""Export, the 45-day deadline, opt-outs, the retention purge and the recording notice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from tests.outreach.support import FakeTwilio, twilio
from tests.rights.test_erase import ADMIN, STAFF
from tests.rights.world import MEMBER_ID, PHONE, SAID, History

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.errors import Forbidden, InvalidArgument
from referraldesk.models import AuditEvent, Conversation, ConversationAnalysis, Referral, Turn
from referraldesk.outreach.service import run_outreach
from referraldesk.rights import requests
from referraldesk.rights.disclosure import record_disclosure
from referraldesk.rights.export import export_patient
from referraldesk.rights.opt_out import opt_out
from referraldesk.rights.pdf import export_pdf
from referraldesk.rights.retention import RetentionPolicy, purge_expired

SYSTEM = Actor(name="system:retention", role="system")


def test_the_export_holds_the_patients_known_values(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world

    with session_factory(engine)() as session:
        data = export_patient(session, STAFF, history.patient_id, reason="access request")
        session.commit()
        exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()

    assert data["patient"]["given_names"] == "María Elena"
    assert data["patient"]["dob"] == "1985-04-03"
    assert [phone["e164"] for phone in data["phones"]] == [PHONE]
    assert data["coverages"][0]["member_id"] == MEMBER_ID
    assert [r["id"] for r in data["referrals"]] == [history.referral_id]
    assert data["referrals"][0]["history"][0]["to_status"] == "received"
    caller_said = [turn["text"] for conversation in data["conversations"]
                   for turn in conversation["turns"] if turn["speaker"] == "caller"]
    assert all(sentence in caller_said for sentence in SAID)
    assert {a["channel"] for a in data["outreach_attempts"]} == {"sms", "voice"}
    assert {kind["kind"] for kind in data["consents"]} == {"texts", "automated_calls"}
    assert any(event["action"] == "read" for event in data["audit_events"])
    assert exported.patient_id == history.patient_id and exported.actor == STAFF.name


def test_the_pdf_is_a_readable_document(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world
    with session_factory(engine)() as session:
        data = export_patient(session, ADMIN, history.patient_id, reason="access request")

    pdf = export_pdf(data, "Sequoia Valley")

    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000


def test_an_auditor_may_not_export(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world
    auditor = Actor(name="staff:audit@clinic.example.org", role="auditor")

    with session_factory(engine)() as session, pytest.raises(Forbidden):
        export_patient(session, auditor, history.patient_id, reason="access request")


def test_a_request_is_due_45_days_after_it_arrived_and_then_overdue(
    sqlite_world: tuple[Engine, History], frozen_now: object,
) -> None:
    engine, history = sqlite_world
    clock.set_now(datetime.fromisoformat("2026-03-10T17:00:00+00:00"), frozen=True)
    arrived = datetime.fromisoformat("2026-03-02T12:00:00+00:00")

    with session_factory(engine)() as session:
        request = requests.log_request(session, STAFF, history.patient_id, "access",
                                       received_at=arrived, notes="letter, ref 2026-14")
        session.commit()

    assert request.due_at == datetime.fromisoformat("2026-04-16T12:00:00+00:00")
    assert not requests.is_overdue(request)
    assert requests.is_overdue(request, datetime.fromisoformat("2026-04-16T12:00:01+00:00"))


def test_a_note_with_the_patients_name_is_refused(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world

    with session_factory(engine)() as session, pytest.raises(InvalidArgument) as refused:
        requests.log_request(session, STAFF, history.patient_id, "access",
                             notes="call María back on 559 555 0143")

    assert refused.value.field == "notes"


def test_an_opt_out_stops_outreach_at_the_next_round(
    sqlite_world: tuple[Engine, History],
) -> None:
    engine, history = sqlite_world
    with session_factory(engine)() as session:
        referral = session.get(Referral, history.referral_id)
        assert referral is not None
        referral.status = "contacting"
        referral.appointment_id = None
        opt_out(session, STAFF, history.patient_id, reason="asked at the desk")
        session.commit()

    clock.set_now(datetime.fromisoformat("2026-03-10T04:30:00+00:00"), frozen=True)
    fake = FakeTwilio()
    with session_factory(engine)() as session:
        report = run_outreach(session, sms=twilio(fake))

    assert fake.requests == []
    assert history.referral_id not in report.attempted


def test_retention_purges_old_transcripts_in_batches_and_audits(
    sqlite_world: tuple[Engine, History],
) -> None:
    engine, _ = sqlite_world
    policy = RetentionPolicy(transcript_days=30, recording_days=30, batch_size=1)
    with session_factory(engine)() as session:
        conversation = session.scalars(select(Conversation).where(
            Conversation.status == "ended")).first()
        assert conversation is not None and conversation.ended_at is not None
        conversation.recording_url = "https://api.twilio.com/recordings/RE1"
        session.commit()
        ended = conversation.ended_at

    clock.set_now(ended + timedelta(days=29), frozen=True)
    with session_factory(engine)() as session:
        assert purge_expired(session, SYSTEM, policy).transcripts == []

    clock.set_now(ended + timedelta(days=31), frozen=True)
    with session_factory(engine)() as session:
        dry = purge_expired(session, SYSTEM, policy, dry_run=True)
        assert session.scalar(select(func.count(Turn.id))) > 0
        report = purge_expired(session, SYSTEM, policy)
        session.commit()

    with session_factory(engine)() as session:
        purged = session.get(Conversation, conversation.id)
        left = session.scalar(select(func.count(Turn.id)).where(
            Turn.conversation_id == conversation.id))
        analyses = session.scalar(select(func.count(ConversationAnalysis.id)))
        audits = session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
    assert dry.transcripts == report.transcripts and conversation.id in report.transcripts
    assert report.recordings == [conversation.id]
    assert left == 0 and analyses == 0
    assert purged is not None and purged.recording_url is None and purged.state == {}
    assert len(audits) == len(report.transcripts) + len(report.recordings)


def test_zero_days_keeps_everything(sqlite_world: tuple[Engine, History]) -> None:
    engine, _ = sqlite_world
    clock.set_now(datetime.fromisoformat("2040-01-01T00:00:00+00:00"), frozen=True)

    with session_factory(engine)() as session:
        report = purge_expired(session, SYSTEM, RetentionPolicy(0, 0))

    assert report.transcripts == [] and report.recordings == []


def test_the_recording_notice_is_stored_per_conversation(
    sqlite_world: tuple[Engine, History],
) -> None:
    engine, history = sqlite_world
    clock.set_now(datetime.fromisoformat("2026-03-09T16:00:00+00:00"), frozen=True)

    with session_factory(engine)() as session:
        notice = record_disclosure(session, history.conversation_id, channel="voice",
                                   language="es")
        session.commit()

    assert notice.played_at == datetime.fromisoformat("2026-03-09T16:00:00+00:00")
    assert (notice.conversation_id, notice.language) == (history.conversation_id, "es")


def test_the_export_leaves_out_every_look_up_hash(sqlite_world: tuple[Engine, History]) -> None:
    engine, history = sqlite_world

    with session_factory(engine)() as session:
        data = export_patient(session, STAFF, history.patient_id, reason="access request")
        pdf = export_pdf(data, "Sequoia Valley")

    keys = set(_all_keys(data))
    assert not {key for key in keys if key.endswith("_index")}
    assert "name_key" not in keys
    assert {"given_names", "dob", "e164", "caller_phone"} <= keys
    assert pdf.startswith(b"%PDF-")


def _all_keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [key for key, item in value.items() for key in [key, *_all_keys(item)]]
    if isinstance(value, list):
        return [key for item in value for key in _all_keys(item)]
    return []
