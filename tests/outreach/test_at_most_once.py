"""A patient is contacted at most once per attempt, even when the worker dies mid-round.

The round writes each attempt down as "sending" and commits before the text or call
goes out, then records what became of it. A kill between the two is played by a
sender that sends and then raises `WorkerKilled`, which nothing in the round catches
(nothing runs after SIGKILL); the round's open transaction dies with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.outreach.support import FRESNO_PHONE, INTAKE, FakeTwilio, refer, register, twilio

from referraldesk.db.session import session_factory
from referraldesk.models import Conversation, OutreachAttempt, Referral
from referraldesk.outreach.calls import CallPlacer, CallResult, VoiceChannelCalls
from referraldesk.outreach.service import RoundReport, attempts_of, run_outreach
from referraldesk.outreach.sms import NoCredentials, SmsResult, SmsSender
from referraldesk.patients.consents import record_consent
from referraldesk.practice.loader import demo_config, load_config
from referraldesk.voice.outbound import TwilioVoice

# Wednesday 15 July 2026, 10:00 in California: inside the calling hours.
MORNING = "2026-07-15T17:00:00+00:00"
ROSA_PHONE = "+15595550144"

Freeze = Callable[[datetime | str], datetime]


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no handler in the round catches it."""


@dataclass
class DiesAfterTexting:
    """Texts through `sender`, then fails before the answer is recorded.

    `only_to` limits the failure to one number; `failure` is what is raised.
    """

    sender: SmsSender
    only_to: str | None = None
    failure: type[BaseException] = WorkerKilled

    def send(self, to: str, from_: str, body: str) -> SmsResult:
        result = self.sender.send(to, from_, body)
        if self.only_to in (None, to):
            raise self.failure("the worker stopped after the text went out")
        return result


@dataclass
class DiesAfterCalling:
    placer: CallPlacer

    def place_call(self, session: Any, **details: Any) -> CallResult:
        self.placer.place_call(session, **details)
        raise WorkerKilled("the worker stopped after the call was placed")


@dataclass
class LooksWhileTexting:
    """Texts through `sender`; first reads, in a session of its own, what is on record."""

    sender: SmsSender
    engine: Engine
    seen: list[tuple[str, str]] = field(default_factory=list)

    def send(self, to: str, from_: str, body: str) -> SmsResult:
        with session_factory(self.engine)() as other:
            for attempt in other.query(OutreachAttempt):
                conversation = other.get(Conversation, attempt.conversation_id)
                assert conversation is not None
                self.seen.append((attempt.status, conversation.status))
        return self.sender.send(to, from_, body)


@dataclass
class StopArrivesWhileTexting:
    """Texts through `sender`; meanwhile the patient withdraws consent to texts."""

    sender: SmsSender
    engine: Engine
    patient_id: str

    def send(self, to: str, from_: str, body: str) -> SmsResult:
        with session_factory(self.engine)() as other:
            record_consent(other, INTAKE, self.patient_id, "texts", False, "sms")
            other.commit()
        return self.sender.send(to, from_, body)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Engine:
    """The demo practice on SQLite (the folder's `engine`) or on PostgreSQL."""
    if request.param == "sqlite":
        engine: Engine = request.getfixturevalue("engine")
        return engine
    engine = request.getfixturevalue("pg_engine")
    with session_factory(engine)() as session:
        load_config(session, demo_config())
        session.commit()
    return engine


def referred(engine: Engine, consents: tuple[str, ...] = ("texts",), **patient: Any) -> str:
    with session_factory(engine)() as session:
        referral = refer(session, register(session, consents=consents, **patient))
        session.commit()
        return referral.id


def round_at(engine: Engine, instant: datetime, sms: Any, calls: Any = None) -> RoundReport:
    with session_factory(engine)() as session:
        return run_outreach(session, now=instant, sms=sms, calls=calls)


def killed_round(engine: Engine, instant: datetime, sms: Any, calls: Any = None) -> None:
    # Leaving the block closes the session: what it had not committed is gone.
    with session_factory(engine)() as session, pytest.raises(WorkerKilled):
        run_outreach(session, now=instant, sms=sms, calls=calls)


def attempts(engine: Engine, referral_id: str) -> list[tuple[str, str, str | None, int]]:
    with session_factory(engine)() as session:
        return [(a.channel, a.status, a.reason, a.round) for a in attempts_of(session, referral_id)]


def status_of(engine: Engine, referral_id: str) -> str:
    with session_factory(engine)() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        return referral.status


def test_a_patient_texted_by_a_worker_killed_before_the_result_is_not_texted_again(
    database: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    referral_id = referred(database)
    fake = FakeTwilio()

    killed_round(database, start, DiesAfterTexting(twilio(fake)))
    on_record = attempts(database, referral_id)
    soon = round_at(database, start + timedelta(minutes=2), twilio(fake))
    next_tick = round_at(database, start + timedelta(minutes=15), twilio(fake))

    assert len(fake.requests) == 1
    assert on_record == [("sms", "sending", None, 1)]
    assert (soon.attempted, soon.interrupted) == ([], [])
    assert (next_tick.attempted, next_tick.interrupted) == ([], [referral_id])
    assert attempts(database, referral_id) == [("sms", "unknown", "stopped_while_sending", 1)]
    assert status_of(database, referral_id) == "contacting"


def test_an_interrupted_attempt_counts_as_a_round_and_the_next_comes_after_the_back_off(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    referral_id = referred(engine)
    fake = FakeTwilio()

    killed_round(engine, start, DiesAfterTexting(twilio(fake)))
    early = round_at(engine, start + timedelta(hours=23, minutes=45), twilio(fake))
    due = round_at(engine, start + timedelta(hours=24), twilio(fake))

    assert (early.attempted, due.attempted) == ([], [referral_id])
    assert len(fake.requests) == 2
    assert attempts(engine, referral_id) == [
        ("sms", "unknown", "stopped_while_sending", 1),
        ("sms", "sent", None, 2),
    ]


def test_a_failure_with_one_patient_keeps_what_the_round_wrote_for_the_others(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    maria = referred(engine)
    rosa = referred(engine, given="Rosa", surnames=("Delgado",), phone=ROSA_PHONE)
    fake = FakeTwilio()
    failing = DiesAfterTexting(twilio(fake), only_to=FRESNO_PHONE, failure=RuntimeError)

    report = round_at(engine, start, failing)
    next_tick = round_at(engine, start + timedelta(minutes=15), twilio(fake))

    assert (report.failed, report.attempted) == ([maria], [rosa])
    assert sorted(request["data"]["To"] for request in fake.requests) == [
        FRESNO_PHONE,
        ROSA_PHONE,
    ]
    assert attempts(engine, maria) == [("sms", "unknown", "stopped_while_sending", 1)]
    assert attempts(engine, rosa) == [("sms", "sent", None, 1)]
    assert (next_tick.attempted, next_tick.interrupted) == ([], [maria])


def test_a_patient_called_by_a_worker_killed_before_the_result_is_not_called_again(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    referral_id = referred(engine, consents=("automated_calls",))
    fake = FakeTwilio()
    voice = VoiceChannelCalls(TwilioVoice("AC" + "0" * 32, "token-for-tests", http_client=fake))

    killed_round(engine, start, NoCredentials(), DiesAfterCalling(voice))
    next_tick = round_at(engine, start + timedelta(minutes=15), NoCredentials(), voice)

    assert [request["uri"].rsplit("/", 1)[-1] for request in fake.requests] == ["Calls.json"]
    assert next_tick.attempted == []
    assert attempts(engine, referral_id) == [("voice", "unknown", "stopped_while_sending", 1)]


def test_the_attempt_and_its_thread_are_committed_before_the_text_goes_out(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    referral_id = referred(engine)
    looking = LooksWhileTexting(twilio(FakeTwilio()), engine)

    round_at(engine, start, looking)

    # Read by another session while the round was sending: on SQLite that read could
    # not even begin if the round still held its transaction (and the write lock).
    assert looking.seen == [("sending", "active")]
    assert attempts(engine, referral_id) == [("sms", "sent", None, 1)]


def test_a_stop_that_arrives_during_the_round_holds_for_the_patients_next_referral(
    engine: Engine, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    with session_factory(engine)() as session:
        patient = register(session, consents=("texts",))
        first = refer(session, patient, placer_id="VFM-1").id
        frozen_now(start + timedelta(minutes=1))
        second = refer(session, patient, specialty="cardiology", placer_id="VFM-2").id
        session.commit()
    fake = FakeTwilio()

    report = round_at(
        engine, start + timedelta(minutes=2),
        StopArrivesWhileTexting(twilio(fake), engine, patient.id),
    )

    assert report.attempted == [first]
    assert report.blocked == {second: "opted_out"}
    assert len(fake.requests) == 1
