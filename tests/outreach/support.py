"""Shared set-up for outreach, loop and funnel tests: the demo practice's config, patients
registered and referred as intake would, and fakes at the two outbound seams."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from tests.intake.support import SAMPLES
from twilio.http import HttpClient
from twilio.http.response import Response

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk.audit.trail import Actor
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import OutboundMessage, Patient, Practice, Referral
from referraldesk.outreach.calls import CallResult
from referraldesk.outreach.sms import TwilioSms
from referraldesk.patients.consents import record_consent
from referraldesk.patients.service import register_patient
from referraldesk.practice.loader import demo_config, load_config
from referraldesk.referrals.service import create_referral

STAFF = Actor(name="staff:coordinator@clinic.example.org", role="coordinator")
INTAKE = Actor(name="integration:valley-ehr", role="integration")
PHOENIX_PHONE = "+16025550143"
FRESNO_PHONE = "+15595550143"


def demo_template(folder: Path) -> Path:
    """A database with the schema and the demo practice's configuration (no patients)."""
    path = folder / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        load_config(session, demo_config())
        session.commit()
    engine.dispose()
    return path


def engine_from(template: Path, folder: Path) -> Engine:
    target = folder / "test.db"
    shutil.copyfile(template, target)
    return make_engine(f"sqlite:///{target}")


def register(
    session: Any,
    *,
    given: str = "María Elena",
    surnames: tuple[str, ...] = ("López", "García"),
    dob: date = date(1985, 4, 3),
    phone: str = FRESNO_PHONE,
    language: str = "es",
    consents: tuple[str, ...] = ("texts", "automated_calls"),
    windows: list[dict[str, Any]] | None = None,
) -> Patient:
    patient = register_patient(
        session,
        INTAKE,
        {
            "given_names": given,
            "surnames": list(surnames),
            "dob": dob.isoformat(),
            "phone": phone,
            "preferred_language": language,
            "plan": "Anthem Blue Cross Medi-Cal",
            "contact_windows": windows or [],
        },
    )
    for kind in consents:
        record_consent(session, INTAKE, patient.id, kind, True, "intake")
    return patient


def refer(session: Any, patient: Patient, **changes: Any) -> Referral:
    data: dict[str, Any] = {
        "patient_id": patient.id,
        "specialty": "dermatology",
        "reason": "rash on both forearms for three months",
        "urgency": "routine",
        "referring_provider": "Dra. Ana Ruiz",
        "referring_practice": "Valley Family Medicine",
        "placer_id": f"VFM-{patient.id[:6]}",
    }
    data.update(changes)
    _consent_only_from_the_patient(session)
    return create_referral(session, INTAKE, data, source="json")


def _consent_only_from_the_patient(session: Any) -> None:
    """Keep the patient's consents exactly those `register` recorded: these tests choose
    them one by one (what a referral gives is tests/intake/test_referral_consent.py's)."""
    practice = session.scalar(select(Practice))
    outreach = {**practice.policy.get("outreach", {}), "consent_from_referral": "none"}
    practice.policy = {**practice.policy, "outreach": outreach}
    session.flush()


def hl7_sample(name: str, *replacements: tuple[str, str]) -> str:
    """A shared sample message with each `(old, new)` text replaced."""
    with (SAMPLES / name).open(encoding="utf-8", newline="") as file:
        text = file.read()
    for old, new in replacements:
        assert old in text, f"{old!r} is not in {name}"
        text = text.replace(old, new)
    return text


def take_in_hl7(session: Any, text: str) -> Referral:
    """Receive an HL7 referral as the HTTP door does; the referral it made or matched."""
    outcome = receive_hl7(session, INTAKE, text, channel="hl7_http")
    assert outcome.applied, outcome.summary
    referral = session.get(Referral, outcome.referral_id)
    assert referral is not None
    return referral


@dataclass
class FakeCalls:
    """The voice seam in memory: records each call asked for and answers it was queued."""

    calls: list[dict[str, str]] = field(default_factory=list)

    def place_call(
        self, session: Any, *, to: str, from_: str, language: str, referral_id: str
    ) -> CallResult:
        self.calls.append({"to": to, "language": language, "referral_id": referral_id})
        return CallResult("queued", external_id=f"CA{len(self.calls):032d}")

    @property
    def numbers(self) -> list[str]:
        return [call["to"] for call in self.calls]


def outbox(session: Any, referral_id: str) -> list[OutboundMessage]:
    return list(
        session.query(OutboundMessage)
        .filter(OutboundMessage.referral_id == referral_id)
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
    )


def segment(text: str, name: str) -> list[str]:
    """The fields of the first segment called `name` (index n is field n)."""
    for line in text.split("\r"):
        if line.startswith(name + "|"):
            return line.split("|")
    raise AssertionError(f"no {name} segment in {text!r}")


@dataclass
class FakeTwilio(HttpClient):  # type: ignore[misc]
    """Twilio's REST API in memory: records each request and answers like Twilio."""

    status: int = 201
    error: dict[str, Any] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(logging.getLogger("fake_twilio"), is_async=False)

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {})})
        if self.status >= 400:
            return Response(self.status, json.dumps(self.error or {"code": 21610, "message": "x"}))
        sid = f"SM{len(self.requests):032d}"
        return Response(self.status, json.dumps({"sid": sid, "status": "queued"}))

    @property
    def bodies(self) -> list[str]:
        return [str(request["data"].get("Body")) for request in self.requests]


def twilio(fake: FakeTwilio) -> TwilioSms:
    return TwilioSms("AC" + "0" * 32, "token-for-tests", http_client=fake)


@dataclass
class FakeMllp:
    """A referring practice's MLLP listener in memory: answers each message with an ACK.

    `codes` are the MSA-1 codes to answer with, in turn (the last one repeats).
    """

    codes: list[str] = field(default_factory=lambda: ["AA"])
    received: list[str] = field(default_factory=list)
    addresses: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, address: tuple[str, int], timeout: float) -> _FakeConnection:
        self.addresses.append(address)
        return _FakeConnection(self)


@dataclass
class _FakeConnection:
    listener: FakeMllp
    reply: bytes = b""

    def __enter__(self) -> _FakeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def sendall(self, data: bytes) -> None:
        message = data.strip(b"\x0b\x1c\r").decode("utf-8")
        listener = self.listener
        listener.received.append(message)
        control_id = segment(message, "MSH")[9]
        code = listener.codes[min(len(listener.received), len(listener.codes)) - 1]
        msh = "MSH|^~\\&|VFM_EHR|VFM|REFERRALDESK||20260309||ACK|A1|P|2.5.1"
        ack = f"{msh}\rMSA|{code}|{control_id}\r"
        self.reply = b"\x0b" + ack.encode("utf-8") + b"\x1c\r"

    def recv(self, size: int) -> bytes:
        chunk, self.reply = self.reply[:size], self.reply[size:]
        return chunk


def book_first_slot(session: Any, referral: Referral) -> Any:
    """Book the referral's patient into the first open slot of its specialty (staff booking)."""
    from datetime import timedelta

    from referraldesk.clock import now
    from referraldesk.scheduling.booking import BookingRequest, book
    from referraldesk.scheduling.slots import SlotQuery, find_slots

    today = now().date()
    query = SlotQuery(
        specialty_key=referral.specialty_key,
        start=today,
        end=today + timedelta(days=14),
        limit=1,
    )
    [slot] = find_slots(session, query)
    return book(
        session,
        STAFF,
        BookingRequest(patient_id=referral.patient_id, slot_id=slot.id, channel="staff"),
    )
