"""No patient data in any log line.

Whole conversations on every door, logged at DEBUG in JSON and in plain text: a web chat
in English and one in Spanish, each verified and booked; a text thread over the signed
SMS webhook; a phone call; an HL7 referral for a new patient; a dashboard search and an
erasure. Every line is scanned for the patients' given names and surnames (with and
without accents), dates of birth in the forms people and systems write them, phone
numbers in E.164 and national forms, member ids, addresses and every sentence the
callers said. Unexpected exceptions, ours and those huey and uvicorn log, show frames
and types, never messages or local variables.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import structlog
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from starlette.datastructures import ImmutableMultiDict
from tests.voice.fake_twilio import FakeTwilio
from twilio.request_validator import RequestValidator

from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.audit.trail import Actor
from referraldesk.auth import tokens
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import session_factory, session_scope, use_engine
from referraldesk.jobs import huey
from referraldesk.jobs.tasks import analyze_conversation
from referraldesk.logging import configure_logging, get_logger
from referraldesk.models import Appointment, Conversation, Patient, User
from referraldesk.models.auth import DashboardSession
from referraldesk.patients.service import register_patient
from referraldesk.practice.loader import load_demo
from referraldesk.referrals.service import create_referral
from referraldesk.settings import reset_settings_cache
from referraldesk.simulation.seed import fresh_engine
from referraldesk.voice import recording
from referraldesk.voice.simulated_call import SimulatedCall, open_app

# Monday 11 May 2026, 09:15 in Visalia: the desk is open.
OPEN = datetime.fromisoformat("2026-05-11T09:15:00-07:00")
TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_URL = "https://clinic.example.org"
SEED = Actor(name="system:log_test", role="system")


@dataclass(frozen=True)
class Person:
    given: str
    surnames: tuple[str, ...]
    dob: date
    phone: str
    language: str = "en"


MARIA = Person("María Elena", ("López", "García"), date(1985, 4, 3), "+15595550143", "es")
DANIEL = Person("Daniel", ("Ortega",), date(1979, 11, 22), "+15595550117")
# Arrives by HL7 only: on file through intake, never typed by a caller.
XIOMARA = Person("Xiomara Itzel", ("Quintanilla", "Bermúdez"), date(1972, 9, 14), "+15595550188")
XIOMARA_MEMBER_ID, XIOMARA_STREET = "93311442C", "77 N Akers St"

CHAT_EN = ("Hi, my doctor said I need to see a bone specialist for my knee", "Daniel Ortega",
           "November 22, 1979", "anything after 5 in the evening", "1", "yes", "no, that's it")
CHAT_ES = ("Buenos días, mi doctora me mandó con un especialista de la piel",
           "Soy María Elena López García", "el 3 de abril del 85", "temprano, antes de las 8",
           "1", "sí, perfecto", "no, es todo, gracias")
SMS = ("Hola, tengo una pregunta sobre mi cita", "Soy María Elena López García",
       "3 de abril de 1985", "¿A qué hora es mi cita?")
VOICE = ("Hello, I am calling about my knee appointment", "Daniel Ortega", "#11221979",
         "What time is my appointment again?")
HL7_REFERRAL = "\r".join((
    "MSH|^~\\&|VFM_EHR|VALLEY FAMILY MEDICINE|REFERRALDESK|VISALIA OCC HEALTH|"
    "20260511081500-0700||REF^I12^REF_I12|VFM20260511-0101|P|2.5.1|||AL|AL",
    "RF1|P^Pending^HL70283|R^Routine^HL70280|MED^Medical^HL70281|RP^Referral to specialist"
    "^HL70282|O^Outside referral^HL70284|VFM-R-90001^VFM_EHR|20260511|20260625|20260511",
    "PRD|RP^Referring Provider^HL70286|Ruiz^Ana^^^Dra.^MD|1200 S Mooney Blvd^^Visalia^CA^93277"
    "^USA|^^^^^^^^^^Valley Family Medicine|^WPN^PH^^1^559^5550190||1497755320^NPI",
    "PRD|RT^Referred to Provider^HL70286||||||^^^^^^^^^^^Dermatology",
    f"PID|1||MRN-51234^^^VFM^MR||Quintanilla Bermúdez^Xiomara Itzel^^^^^L||19720914|F|||"
    f"{XIOMARA_STREET}^^Visalia^CA^93291^USA||^PRN^CP^^1^559^5550188||SPA^Spanish^ISO639",
    "IN1|1|ABCMC^Anthem Blue Cross Medi-Cal|AB001|Anthem Blue Cross Partnership Plan||||||||"
    f"||||Quintanilla Bermúdez^Xiomara Itzel|01|19720914||||||||||||||||||||||{XIOMARA_MEMBER_ID}",
    "DG1|1||L30.9^Dermatitis, unspecified^I10|||F",
    "NTE|1||Itchy patches on both hands since January, worse with cleaning products."
    "|RE^Reason for referral",
)) + "\r"
REFERRAL_REASON = "Itchy patches on both hands since January"


def needles() -> list[str]:
    """Every value that would make a log line PHI."""
    found: list[str] = []
    for person in (MARIA, DANIEL, XIOMARA):
        words = [*person.given.split(), *person.surnames]
        found += words + [_plain(word) for word in words]
        found += _dates(person.dob) + _phones(person.phone)
    said = [text for text in (*CHAT_EN, *CHAT_ES, *SMS, *VOICE) if len(text) > 8]
    return list(dict.fromkeys([*found, *said, XIOMARA_MEMBER_ID, XIOMARA_STREET, REFERRAL_REASON]))


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre")


def _dates(day: date) -> list[str]:
    return [day.isoformat(), f"{day:%Y%m%d}", f"{day:%m/%d/%Y}", f"{day:%m%d%Y}",
            f"{day.month}/{day.day}/{day.year}", f"{day:%B} {day.day}, {day.year}",
            f"{day:%B} {day.day}", f"{day.day} de {SPANISH_MONTHS[day.month - 1]}"]


def _phones(e164: str) -> list[str]:
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return [e164, e164[2:], f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}", f"{exchange}-{line}"]


def leaks(output: str) -> list[str]:
    """The needles found in `output`, as whole words, whatever their case."""
    return [needle for needle in needles()
            if re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", output, re.IGNORECASE)]


# -- the world ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _logging_put_back() -> Iterator[None]:
    # These tests log at DEBUG to the test's own stderr; later tests get what was there.
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@dataclass
class World:
    engine: Engine
    integration_token: str
    admin_id: str


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("REFERRALDESK_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("REFERRALDESK_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("REFERRALDESK_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", "log-test-audit-key-0123456789abcdefghij")
    reset_settings_cache()
    clock.set_now(OPEN, frozen=True)
    recording.use_http_client(FakeTwilio(call_sid="RE" + "e" * 32))
    engine = fresh_engine(tmp_path)
    use_engine(engine)
    with session_scope(engine) as session:
        load_demo(session, today=OPEN.date(), actor=SEED)
        for person, specialty in ((MARIA, "dermatology"), (DANIEL, "orthopedics")):
            _register_and_refer(session, person, specialty)
        secret = tokens.create_token(session, name="valley-ehr", role="integration")[1]
        admin = User(email="admin@clinic.example.org", role="admin", password_hash="!",
                     active=True)
        session.add(admin)
        session.flush()
        admin_id = admin.id
    yield World(engine, secret, admin_id)
    recording.use_http_client(None)
    use_engine(None)
    engine.dispose()
    monkeypatch.undo()
    reset_settings_cache()


def _register_and_refer(session: Any, person: Person, specialty: str) -> None:
    patient = register_patient(session, SEED, {
        "given_names": person.given, "surnames": list(person.surnames),
        "dob": person.dob.isoformat(), "phone": person.phone,
        "preferred_language": person.language, "plan": "Anthem Blue Cross Medi-Cal",
    })
    create_referral(session, SEED, {
        "patient_id": patient.id, "specialty": specialty, "reason": "seen by the doctor",
        "urgency": "routine", "referring_provider": "Dra. Ana Ruiz",
        "referring_practice": "Valley Family Medicine",
    })


# -- the conversations ------------------------------------------------------------------


def chat(client: TestClient, language: str, said: tuple[str, ...]) -> str:
    started = client.post("/api/conversations", json={"channel": "chat", "language": language})
    conversation_id: str = started.json()["id"]
    for text in said:
        answered = client.post(f"/api/conversations/{conversation_id}/messages",
                               json={"text": text})
        assert answered.status_code == 200, answered.text
    assert client.post(f"/api/conversations/{conversation_id}/end").status_code == 200
    return conversation_id


def text_thread(client: TestClient, sender: str, said: tuple[str, ...]) -> None:
    for number, body in enumerate(said, start=1):
        fields = [("From", sender), ("To", "+15595550600"), ("Body", body),
                  ("MessageSid", f"SM{number:032d}")]
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(
            f"{PUBLIC_URL}/twilio/sms", ImmutableMultiDict(fields))
        answered = client.post("/twilio/sms", content=urlencode(fields), headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature})
        assert answered.status_code == 200, answered.text


def phone_call(world: World, caller: str, said: tuple[str, ...]) -> None:
    call = SimulatedCall(open_app(world.engine), caller=caller)
    call.dial()
    for step in said:
        if step.startswith("#"):
            call.press(step[1:])
        else:
            call.say(step)
    call.hang_up()


def erase_from_the_dashboard(world: World, person: Person) -> None:
    with session_scope(world.engine) as session:
        admin = session.get(User, world.admin_id)
        assert admin is not None
        secret = start_session(session, admin, source_address="testclient")
        csrf = session.get(DashboardSession, hash_secret(secret)).csrf_token  # type: ignore[union-attr]
    with TestClient(open_app(world.engine), follow_redirects=False) as desk:
        desk.cookies.set(SESSION_COOKIE, secret, path="/admin")
        found = desk.get("/admin/patients", params={
            "name": f"{person.given} {' '.join(person.surnames)}", "dob": person.dob.isoformat()})
        assert found.status_code == 200
        patient_id = _patient_id(world.engine, person)
        erased = desk.post(f"/admin/patients/{patient_id}/rights/erase", data={
            "csrf_token": csrf, "reason": "deletion request by letter", "confirm": patient_id})
        assert erased.status_code == 303, erased.text


def _patient_id(engine: Engine, person: Person) -> str:
    with session_factory(engine)() as session:
        for patient in session.scalars(select(Patient)):
            if patient.given_names == person.given and patient.dob == person.dob:
                return patient.id
    raise AssertionError(f"no patient born {person.dob}")


def run_everything(world: World) -> dict[str, Any]:
    """Every door, once; returns what happened, to prove the logs had something to say."""
    with TestClient(open_app(world.engine), client=("203.0.113.7", 40000)) as client:
        english = chat(client, "en", CHAT_EN)
        spanish = chat(client, "es", CHAT_ES)
        text_thread(client, MARIA.phone, SMS)
        intake = client.post("/api/referrals/hl7", content=HL7_REFERRAL.encode(), headers={
            "Authorization": f"Bearer {world.integration_token}", "Content-Type": "text/plain"})
        assert intake.status_code == 200 and "|AA|" in intake.text, intake.text
    phone_call(world, DANIEL.phone, VOICE)
    erase_from_the_dashboard(world, MARIA)
    with session_factory(world.engine)() as session:
        booked = session.scalars(select(Appointment.conversation_id)
                                 .where(Appointment.conversation_id.in_([english, spanish])))
        channels = {c.channel for c in session.scalars(select(Conversation))}
        return {"chats": (english, spanish), "booked": set(booked), "channels": channels}


# -- the tests --------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_whole_conversations_on_every_door_log_no_patient_data(
    world: World, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", json=as_json)
    capsys.readouterr()

    happened = run_everything(world)

    output = capsys.readouterr()
    logged = output.err + output.out

    assert happened["booked"] == set(happened["chats"])
    assert {"chat", "sms", "voice"} <= happened["channels"]
    for event in ("caller_verified", "appointment_booked", "intake_received", "agent_turn",
                  "patient_erased", "conversation_analyzed"):
        assert event in logged
    assert all(conversation_id in logged for conversation_id in happened["chats"])
    if as_json:
        assert all(json.loads(line) for line in logged.splitlines() if line.strip())
    assert leaks(logged) == []


def test_the_scan_finds_what_it_looks_for() -> None:
    line = json.dumps({"event": "x", "who": "Maria Lopez", "dob": "11/22/1979",
                       "phone": "(559) 555-0188", "said": "el 3 de abril del 85"})

    assert leaks(line) == ["Maria", "Lopez", "3 de abril", "11/22/1979", "(559) 555-0188",
                           "555-0188", "el 3 de abril del 85"]


# Passed by name: a traceback shows each frame's line of code, and code holds no patient.
SPOKEN = ("María Elena López García", "3 de abril de 1985")
CALLER_PHONE = MARIA.phone


def _dob_check_failed(patient_name: str, dob_text: str) -> None:
    said = f"soy {patient_name}, nací el {dob_text}"  # a local variable holding PHI
    raise ValueError(f"could not read a date in {said!r}")


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_an_exception_we_log_shows_where_it_happened_and_no_values(
    as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", json=as_json)

    try:
        try:
            _dob_check_failed(*SPOKEN)
        except ValueError as exc:
            raise KeyError(CALLER_PHONE) from exc
    except KeyError:
        get_logger("referraldesk.tests").exception("turn_failed", conversation_id="c1")

    logged = capsys.readouterr().err

    shown = json.loads(logged)["exception"] if as_json else logged
    assert "in _dob_check_failed" in shown and 'raise ValueError(f"could not read' in shown
    assert "\nValueError\n" in shown and shown.rstrip().endswith("KeyError")
    assert leaks(logged) == []


def test_a_job_that_fails_is_logged_by_huey_without_values(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG", json=True)
    conversation_id = _any_conversation(world)

    def failing(_session: Any, _conversation_id: str) -> None:
        _dob_check_failed(*SPOKEN)

    monkeypatch.setattr("referraldesk.analytics.service.analyze_and_store", failing)
    with caplog.at_level(logging.DEBUG, logger="huey"):
        analyze_conversation(conversation_id)
    huey.storage.flush_schedule()  # the retry huey scheduled, which no test runs

    failures = [r for r in caplog.records if r.name == "huey" and r.levelno == logging.ERROR]
    formatted = "\n".join(logging.Formatter().format(record) for record in failures)
    assert failures and "Unhandled exception in task" in formatted
    assert "in _dob_check_failed" in formatted and formatted.rstrip().endswith("ValueError")
    assert leaks(formatted) == []


def test_a_route_that_fails_is_logged_by_uvicorn_without_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    uvicorn_loggers = {name: logging.getLogger(name) for name in
                       ("uvicorn", "uvicorn.error", "uvicorn.access")}
    saved = {name: (lg.handlers[:], lg.level, lg.propagate) for name, lg in uvicorn_loggers.items()}
    configure_logging("INFO", json=True)  # as `referraldesk serve` does, before uvicorn starts
    uvicorn.Config(app="referraldesk.api.app:create_app", log_level="warning")
    try:
        try:
            _dob_check_failed(*SPOKEN)
        except ValueError as exc:
            # As uvicorn's HTTP protocols report an exception a route did not handle.
            uvicorn_loggers["uvicorn.error"].error("Exception in ASGI application\n", exc_info=exc)
    finally:
        for name, (handlers, level, propagate) in saved.items():
            uvicorn_loggers[name].handlers[:] = handlers
            uvicorn_loggers[name].setLevel(level)
            uvicorn_loggers[name].propagate = propagate
    logged = capsys.readouterr().err

    assert "Exception in ASGI application" in logged and "in _dob_check_failed" in logged
    assert logged.rstrip().endswith("ValueError")
    assert leaks(logged) == []


def _any_conversation(world: World) -> str:
    with TestClient(open_app(world.engine)) as client:
        started = client.post("/api/conversations", json={"channel": "chat", "language": "en"})
    conversation_id: str = started.json()["id"]
    return conversation_id
