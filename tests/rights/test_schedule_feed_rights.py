"""The SIU messages to the practice-management system name the patient and give her date
of birth: they are stored encrypted, shown in her export, emptied by erasure and deleted
by the retention purge once settled, like the rest of her data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from tests.outreach.support import FakeMllp, segment
from tests.rights.test_erase import ADMIN, STAFF, orm_hits, raw_hits
from tests.rights.test_erase_loose_ends import AFTER_BOOKING
from tests.rights.world import NEEDLES, History

from referraldesk.audit.trail import Actor
from referraldesk.db.crypto import get_keyring
from referraldesk.db.session import session_factory
from referraldesk.loop.schedule_feed import send_schedule_feed
from referraldesk.loop.transports import MllpTransport
from referraldesk.models import Appointment, AuditEvent, ScheduleFeedMessage
from referraldesk.rights.erase import ErasureReport, erase_patient
from referraldesk.rights.export import export_patient
from referraldesk.rights.retention import RetentionPolicy, purge_expired
from referraldesk.scheduling.booking import cancel

SYSTEM = Actor(name="system:retention", role="system")
HER_PID_NAME = "López García^María Elena"


def feed(session: Session) -> list[ScheduleFeedMessage]:
    return list(session.scalars(select(ScheduleFeedMessage).order_by(
        ScheduleFeedMessage.created_at, ScheduleFeedMessage.id)))


def deliver(session: Session) -> None:
    """The PM system acknowledges every message due."""
    send_schedule_feed(session, transports={"hl7_mllp": MllpTransport(connect=FakeMllp())})
    session.commit()


def erase(engine: Engine, history: History) -> ErasureReport:
    with session_factory(engine)() as session:
        report = erase_patient(session, ADMIN, history.patient_id, reason="deletion request",
                               confirm=history.patient_id)
        session.commit()
    return report


def test_the_booking_siu_names_her_and_is_stored_encrypted(
    world: tuple[Engine, History],
) -> None:
    engine, _ = world

    with session_factory(engine)() as session:
        [message] = feed(session)
        stored = session.execute(text("SELECT payload FROM schedule_feed_messages")).scalar_one()
        raw, decrypted = raw_hits(session, NEEDLES), orm_hits(session, NEEDLES)

    pid = segment(message.payload, "PID")
    assert (message.message_type, message.status) == ("SIU^S12", "pending")
    assert (pid[5], pid[7]) == (HER_PID_NAME, "19850403")
    assert stored.startswith(f"enc1:{get_keyring().primary_id}:")
    # Every column as stored is clean; decrypted, the SIU is among the places she appears.
    assert raw == []
    assert {"ScheduleFeedMessage.payload: 19850403",
            "ScheduleFeedMessage.payload: López"} <= set(decrypted)


def test_erasure_empties_the_siu_and_the_cancellation_names_only_the_stub(
    world: tuple[Engine, History], frozen_now: Callable[[str], datetime],
) -> None:
    engine, history = world
    frozen_now(AFTER_BOOKING)

    report = erase(engine, history)

    with session_factory(engine)() as session:
        booked, cancelled = feed(session)
        raw, decrypted = raw_hits(session, NEEDLES), orm_hits(session, NEEDLES)
        cancelled_payload = cancelled.payload
        # A booking never sent must not go out emptied; the cancellation must go out.
        assert (booked.message_type, booked.status, booked.payload, booked.last_error) == (
            "SIU^S12", "failed", "[erased]", "patient data erased before delivery")
        assert (cancelled.message_type, cancelled.status) == ("SIU^S15", "pending")
    # Our id alone: the stub's "[erased]" and 1900-01-01 must not reach the PM system's
    # own record of her.
    assert segment(cancelled_payload, "PID") == [
        "PID", "1", "", f"{history.patient_id}^^^REFERRALDESK^PI"]
    assert report.counts["schedule_feed_messages"] == 1
    assert raw == [] and decrypted == []


def test_an_acknowledged_siu_keeps_its_status_and_loses_its_text(
    sqlite_world: tuple[Engine, History], frozen_now: Callable[[str], datetime],
) -> None:
    engine, history = sqlite_world
    frozen_now(AFTER_BOOKING)
    with session_factory(engine)() as session:
        deliver(session)
    # After the visit: nothing to cancel, so erasure writes no new SIU.
    frozen_now("2027-01-01T00:00:00+00:00")

    erase(engine, history)

    with session_factory(engine)() as session:
        [message] = feed(session)
        assert (message.status, message.payload, message.last_error) == (
            "acked", "[erased]", None)
        assert orm_hits(session, NEEDLES) == []


def test_the_export_shows_each_siu_sent_about_her_appointments(
    sqlite_world: tuple[Engine, History],
) -> None:
    engine, history = sqlite_world

    with session_factory(engine)() as session:
        data = export_patient(session, STAFF, history.patient_id, reason="access request")

    [appointment] = data["appointments"]
    [message] = appointment["messages_to_scheduling_system"]
    assert message["message_type"] == "SIU^S12" and message["status"] == "pending"
    assert segment(message["payload"], "PID")[5] == HER_PID_NAME


def test_retention_deletes_settled_sius_past_their_days_and_keeps_owed_ones(
    sqlite_world: tuple[Engine, History], frozen_now: Callable[[str], datetime],
) -> None:
    engine, _ = sqlite_world
    sent_at = frozen_now(AFTER_BOOKING)
    with session_factory(engine)() as session:
        deliver(session)
        appointment_id = session.scalars(select(Appointment.id)).one()
        # The visit is cancelled while the PM system is unreachable: its S15 is still owed.
        cancel(session, STAFF, appointment_id, "patient asked")
        session.commit()
        acked, owed = (message.id for message in feed(session))
    policy = RetentionPolicy(transcript_days=30, recording_days=30)

    frozen_now((sent_at + timedelta(days=29)).isoformat())
    with session_factory(engine)() as session:
        early = purge_expired(session, SYSTEM, policy)
    frozen_now((sent_at + timedelta(days=31)).isoformat())
    with session_factory(engine)() as session:
        dry = purge_expired(session, SYSTEM, policy, dry_run=True)
        report = purge_expired(session, SYSTEM, policy)
        session.commit()

    with session_factory(engine)() as session:
        left = [(message.id, message.status) for message in feed(session)]
        [audit] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "purge",
            AuditEvent.resource_type == "schedule_feed_message")).all()
    assert early.schedule_feed_messages == []
    assert dry.schedule_feed_messages == report.schedule_feed_messages == [acked]
    assert left == [(owed, "pending")]
    assert audit.reason == "retention: 1 settled SIU messages written before the cutoff (30 days)"


def test_zero_transcript_days_keeps_every_siu(
    sqlite_world: tuple[Engine, History], frozen_now: Callable[[str], datetime],
) -> None:
    engine, _ = sqlite_world
    frozen_now(AFTER_BOOKING)
    with session_factory(engine)() as session:
        deliver(session)
    frozen_now("2040-01-01T00:00:00+00:00")

    with session_factory(engine)() as session:
        report = purge_expired(session, SYSTEM, RetentionPolicy(0, 30))
        session.commit()
        statuses = [message.status for message in feed(session)]

    assert report.schedule_feed_messages == [] and statuses == ["acked"]
