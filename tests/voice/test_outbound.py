"""Calls we place: the REST client through its HTTP seam, a machine, a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from tests.voice.conftest import DANIEL_PHONE, MARIA_PHONE, SEED_ACTOR, CheckedCall
from tests.voice.fake_twilio import FakeTwilio

from referraldesk.db.encrypted import blind_match
from referraldesk.db.session import session_factory, session_scope
from referraldesk.errors import InvalidArgument, OptedOut, Unavailable
from referraldesk.models import Conversation, Patient, PatientPhone, Referral
from referraldesk.patients.consents import record_consent
from referraldesk.voice import urls
from referraldesk.voice.outbound import TwilioVoice, call_about_referral


def referral_of(engine: Engine, phone: str) -> str:
    with session_factory(engine)() as session:
        # The number is encrypted at rest: found through its blind index.
        on_file = blind_match(PatientPhone.e164_index, "phone", phone)
        patient = session.scalars(select(Patient).where(Patient.phones.any(on_file))).one()
        return session.scalars(select(Referral.id).where(Referral.patient_id == patient.id)).one()


def place(engine: Engine, fake: FakeTwilio, referral_id: str) -> str:
    voice = TwilioVoice.from_settings(http_client=fake)
    with session_scope(engine) as session:
        return call_about_referral(session, voice, SEED_ACTOR, referral_id)


class OutboundCall(CheckedCall):
    """Twilio's side of a call we placed: its answer URL and who picked up."""

    def __init__(self, app: FastAPI, answer_url: str, answered_by: str, **options: Any):
        super().__init__(app, **options)
        self.answer_url = answer_url
        self.answered_by = answered_by

    def pick_up(self) -> Any:
        return self._read(self.post(self.answer_url, {"AnsweredBy": self.answered_by}))

    def call_fields(self) -> list[tuple[str, str]]:
        own = dict(super().call_fields())
        # On a call we place, Twilio's From is the practice and To the patient.
        own |= {"From": self.to, "To": self.caller, "Direction": "outbound-api"}
        return list(own.items())


def test_it_places_the_call_with_answering_machine_detection_and_no_patient_data_in_urls(
    engine: Engine, open_desk: datetime
) -> None:
    fake = FakeTwilio()
    referral_id = referral_of(engine, DANIEL_PHONE)

    call_sid = place(engine, fake, referral_id)

    assert call_sid == fake.call_sid
    [sent] = fake.sent
    assert sent.method == "POST" and sent.url.endswith("/Calls.json")
    assert sent.data["To"] == DANIEL_PHONE
    assert sent.data["From"] == "+15595550600"
    assert sent.data["MachineDetection"] == "DetectMessageEnd"
    assert (
        sent.data["Url"]
        == f"https://clinic.example.org/twilio/voice/outbound?referral={referral_id}"
    )
    assert sent.data["StatusCallback"] == "https://clinic.example.org/twilio/voice/status"


@pytest.mark.parametrize(
    ("status", "error"), [(500, Unavailable), (429, Unavailable), (400, InvalidArgument)]
)
def test_twilio_failures_are_classified_as_transient_or_permanent(
    engine: Engine, open_desk: datetime, status: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        place(engine, FakeTwilio(status=status), referral_of(engine, DANIEL_PHONE))


def test_a_timeout_reaching_twilio_is_transient(engine: Engine, open_desk: datetime) -> None:
    fake = FakeTwilio(raises=TimeoutError("read timed out"))

    with pytest.raises(Unavailable):
        place(engine, fake, referral_of(engine, DANIEL_PHONE))


def test_a_patient_who_opted_out_of_automated_calls_is_not_called(
    engine: Engine, open_desk: datetime
) -> None:
    referral_id = referral_of(engine, DANIEL_PHONE)
    with session_scope(engine) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        record_consent(session, SEED_ACTOR, referral.patient_id, "automated_calls", False, "staff")
    fake = FakeTwilio()

    with pytest.raises(OptedOut):
        place(engine, fake, referral_id)
    assert fake.sent == []


def test_a_machine_gets_a_voicemail_with_the_practice_and_its_number_only(
    app: FastAPI, engine: Engine, open_desk: datetime
) -> None:
    referral_id = referral_of(engine, MARIA_PHONE)
    call = OutboundCall(
        app,
        urls.public(urls.OUTBOUND, referral=referral_id),
        "machine_end_beep",
        caller=MARIA_PHONE,
    )

    heard = call.pick_up()

    assert heard.ended
    assert heard.text == (
        "Hola, le llamamos de Sequoia Valley Occupational Health. Por favor devuélvanos la "
        "llamada al 5 5 9, 5 5 5, 0 6 0 0. Gracias."
    )
    for health_word in ("derm", "piel", "María", "referral", "cita", "médico"):
        assert health_word not in heard.text
    with session_factory(engine)() as session:
        assert session.scalars(select(Conversation)).all() == []


def test_a_person_confirms_who_they_are_before_the_referral_is_mentioned(
    app: FastAPI, engine: Engine, open_desk: datetime
) -> None:
    referral_id = referral_of(engine, DANIEL_PHONE)
    call = OutboundCall(
        app, urls.public(urls.OUTBOUND, referral=referral_id), "human", caller=DANIEL_PHONE
    )

    greeting = call.pick_up()
    named = call.say("Daniel Ortega")
    verified = call.press("11221979")

    assert "Sequoia Valley Occupational Health" in greeting.text
    assert greeting.turn is not None and greeting.turn.awaiting == "name"
    for before in (greeting.text, named.text):
        assert "orthop" not in before.lower() and "knee" not in before.lower()
    assert "orthopedics" in verified.text.lower()
    conversation = _conversation(engine, call.call_sid)
    assert (conversation.direction, conversation.referral_id) == ("outbound", referral_id)
    assert conversation.patient_id is not None


def _conversation(engine: Engine, call_sid: str) -> Conversation:
    with session_factory(engine)() as session:
        return session.scalars(
            select(Conversation).where(Conversation.external_id == call_sid)
        ).one()
