"""The dashboard's test world: the demo practice plus conversations, tasks and users.

Built once per test session into a SQLite file that each test copies, so every test
starts from the same rows without paying for the build (a second or two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.auth.users import create_user
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_scope
from referraldesk.intake.csv_rows import import_csv
from referraldesk.models import (
    Appointment,
    Conversation,
    ConversationAnalysis,
    Patient,
    Provider,
    Referral,
    StaffTask,
    ToolCall,
    Turn,
    User,
)
from referraldesk.practice.loader import load_demo

# Tuesday 10 March 2026, 09:00 in Visalia (PDT since 8 March).
NOW = "2026-03-10T16:00:00+00:00"
TODAY = date(2026, 3, 10)
PASSWORD = "correct horse battery staple"
ROLES = ("admin", "staff", "coordinator", "auditor")
IMPORTER = Actor("system:test-import", "system")
CSV = (
    "placer_id,referring_practice,referring_provider_npi,referring_provider,patient_given,"
    "patient_surnames,patient_dob,patient_phone,preferred_language,plan,member_id,specialty,"
    "reason,icd10,urgency\n"
    "WMC-1103,Woodlake Clinic,1336271901,Dra. Carmen Ibarra,Alicia,Vargas,02/30/1990,"
    "559-555-0294,en,Anthem Blue Cross Medi-Cal,92231190A,orthopedics,Wrist pain after fall,"
    "S63.501A,routine\n"
)


@dataclass(frozen=True)
class World:
    """Ids of the rows tests talk about."""

    users: dict[str, str]
    patient_id: str
    patient_name: str
    chat_id: str
    voice_id: str
    task_id: str
    received_referral_id: str
    provider_id: str
    failed_message_id: str


def email(role: str) -> str:
    return f"{role}@valle.example.org"


def at(hours_before_now: float) -> datetime:
    return clock.now() - timedelta(hours=hours_before_now)


def build(path: Path) -> World:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_scope(engine) as session:
        load_demo(session, TODAY)
        users = {role: create_user(session, email=email(role), role=role, password=PASSWORD).id
                 for role in ROLES}
        gone = create_user(session, email="gone@valle.example.org", role="staff", password=PASSWORD)
        gone.active = False
        world = _conversations(session, users)
    engine.dispose()
    clock.get_clock().reset()
    return world


def _conversations(session: Session, users: dict[str, str]) -> World:
    patient = session.scalars(select(Patient).order_by(Patient.created_at, Patient.id)).first()
    assert patient is not None
    chat = Conversation(channel="chat", language="en", patient_id=patient.id, status="ended",
                        outcome="booked", started_at=at(2), last_activity_at=at(1.9),
                        ended_at=at(1.9))
    chat.turns = [
        Turn(seq=1, speaker="agent", text="Hi, this is the clinic. How can I help?", at=at(2)),
        Turn(seq=2, speaker="caller", text="I need a physical therapy visit", at=at(1.99)),
        Turn(seq=3, speaker="agent", text="You are booked for Thursday at 07:00.", at=at(1.95)),
    ]
    chat.tool_calls = [ToolCall(name="find_slots", arguments={"specialty": "physical_therapy"},
                                result={"slots": 3}, latency_ms=12.5, actor="agent", at=at(1.97))]
    voice = Conversation(channel="voice", language="es", status="ended", outcome="transferred",
                         started_at=at(30), last_activity_at=at(29.9), ended_at=at(29.9),
                         recording_url="https://recordings.example.org/RE123.wav")
    voice.turns = [Turn(seq=1, speaker="caller", text="Quiero hablar con una persona", at=at(30))]
    active = Conversation(channel="sms", language="en", status="active", started_at=at(0.2),
                          last_activity_at=at(0.1))
    session.add_all([chat, voice, active])
    session.flush()
    session.add_all([
        ConversationAnalysis(conversation_id=chat.id, sentiment=0.6, lead_score=80,
                             intent="book_referral_visit", topics=["physical therapy"],
                             satisfaction=5, summary="Booked a physical therapy visit.",
                             analyzer="embedded", analyzer_version="1", analyzed_at=at(1.8)),
        ConversationAnalysis(conversation_id=voice.id, sentiment=-0.5, lead_score=20,
                             intent="speak_to_staff", topics=[], satisfaction=2,
                             escalation_flag=True, escalation_reason="transferred to staff: asked",
                             summary="Asked for a person.", analyzer="embedded",
                             analyzer_version="1", analyzed_at=at(29)),
    ])
    task = StaffTask(kind="callback", conversation_id=voice.id, patient_id=patient.id,
                     reason="asked for a person", urgency="soon", callback_phone="+15595550143",
                     created_at=at(29.8))
    session.add(task)
    report = import_csv(session, IMPORTER, CSV, source_name="woodlake.csv")
    received = session.scalar(select(Referral.id).where(Referral.status == "received"))
    # The provider with the most visits booked in the week of TODAY: their week has both.
    provider = session.scalar(
        select(Provider).join(Appointment, Appointment.provider_id == Provider.id)
        .where(Appointment.status == "booked",
               Appointment.start_at >= at(24 * 2), Appointment.start_at < at(-24 * 5))
        .group_by(Provider.id).order_by(func.count().desc(), Provider.id).limit(1))
    session.flush()
    assert received is not None and provider is not None
    return World(users=users, patient_id=patient.id, patient_name=patient.full_name,
                 chat_id=chat.id, voice_id=voice.id, task_id=task.id,
                 received_referral_id=received, provider_id=provider.id,
                 failed_message_id=report.rows[0].message_id)


def user_id(session: Session, role: str) -> str:
    found = session.scalar(select(User.id).where(User.email == email(role)))
    assert found is not None
    return found
