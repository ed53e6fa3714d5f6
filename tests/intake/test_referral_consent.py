"""What a referral's phone number allows: the outreach consents taken from the referral,
as the practice's policy says, never over what the patient said themselves."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION, NOW, sample

from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import Consent, Conversation, Practice, Referral
from referraldesk.patients.consents import (
    consents_in_force,
    opt_out_everywhere,
    record_consent,
)
from referraldesk.patients.service import register_patient
from referraldesk.practice.schema import PracticePolicy

KNEE = "ref_i12_orthopedics.hl7"


def take_in(db: Session, name: str = KNEE) -> Referral:
    outcome = receive_hl7(db, INTEGRATION, sample(name), channel="hl7_http")
    assert outcome.applied, outcome.summary
    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None
    return referral


def set_choice(db: Session, choice: str) -> None:
    practice = db.scalar(select(Practice))
    assert practice is not None
    practice.policy = {**practice.policy, "outreach": {"consent_from_referral": choice}}
    db.flush()


def test_by_default_a_referral_allows_automated_calls_but_not_texts(db: Session) -> None:
    referral = take_in(db)

    [consent] = referral.patient.consents

    assert consents_in_force(referral.patient) == {
        "recording": False, "automated_calls": True, "texts": False, "non_care_use": False}
    assert (consent.kind, consent.granted, consent.source) == ("automated_calls", True, "referral")
    assert consent.recorded_at == datetime.fromisoformat(NOW)


def test_the_practice_may_take_texts_from_a_referral_too(db: Session) -> None:
    set_choice(db, "calls_and_texts")

    referral = take_in(db)

    assert sorted((c.kind, c.source) for c in referral.patient.consents) == [
        ("automated_calls", "referral"), ("texts", "referral")]


def test_the_practice_may_take_nothing_from_a_referral(db: Session) -> None:
    set_choice(db, "none")

    referral = take_in(db)

    assert referral.patient.consents == []


def test_the_practice_file_refuses_an_unknown_choice_and_names_it() -> None:
    with pytest.raises(ValidationError) as refused:
        PracticePolicy.model_validate({"outreach": {"consent_from_referral": "everything"}})

    [problem] = refused.value.errors()
    assert problem["loc"] == ("outreach", "consent_from_referral")
    assert "'none', 'calls' or 'calls_and_texts'" in problem["msg"]


def test_a_patient_who_opted_out_stays_opted_out_when_referred_again(db: Session) -> None:
    first = take_in(db)
    opt_out_everywhere(db, INTEGRATION, first.patient_id, "sms")
    again = sample(KNEE).replace("VFM-R-88231", "VFM-R-99999").replace(
        "VFM20260303-0042", "VFM20260303-0043")

    outcome = receive_hl7(db, INTEGRATION, again, channel="hl7_http")

    second = db.get(Referral, outcome.referral_id)
    assert second is not None and second.id != first.id
    assert second.patient_id == first.patient_id
    assert consents_in_force(second.patient)["automated_calls"] is False
    assert [c.source for c in second.patient.consents if c.granted] == ["referral"]


def test_the_same_referral_sent_twice_records_nothing_more(db: Session) -> None:
    take_in(db)

    take_in(db)

    assert db.scalar(select(Consent.id).where(Consent.source == "referral").offset(1)) is None


DANIELS_NUMBER = "+15595550117"  # PID-13 of the knee referral


@pytest.mark.parametrize(
    ("channel", "calling_from", "daniel_may_be_called"),
    [
        ("sms", DANIELS_NUMBER, False),  # STOP texted from the number
        ("voice", DANIELS_NUMBER, False),  # "don't call me" on a call from it
        ("voice", "+15595550199", True),  # said from another phone: Rosa's wish only
        (None, None, True),  # recorded by staff: Rosa's wish only
    ],
)
def test_a_number_that_said_stop_gets_no_consent_from_a_referral_for_someone_else(
    db: Session, channel: str | None, calling_from: str | None, daniel_may_be_called: bool
) -> None:
    rosa = register_patient(db, INTEGRATION, {
        "given_names": "Rosa", "surnames": ["Ortega"], "dob": "1981-02-14",
        "phone": DANIELS_NUMBER, "preferred_language": "es", "plan": "Medicare",
    })
    conversation_id = None
    if channel is not None:
        conversation = Conversation(channel=channel, caller_phone=calling_from, language="es")
        db.add(conversation)
        db.flush()
        conversation_id = conversation.id
    opt_out_everywhere(db, INTEGRATION, rosa.id, channel or "staff", conversation_id)

    daniel = take_in(db).patient

    assert daniel.id != rosa.id
    assert consents_in_force(daniel)["automated_calls"] is daniel_may_be_called
    assert consents_in_force(rosa)["automated_calls"] is False


@pytest.mark.parametrize(
    ("started_from", "daniel_may_get_texts"),
    [
        (DANIELS_NUMBER, True),  # START texted from the number reverses its STOP
        ("+15595550199", False),  # a START from another phone is Maria's wish only
    ],
)
def test_a_start_from_the_number_lifts_its_stop_for_a_referral_of_someone_else(
    db: Session, started_from: str, daniel_may_get_texts: bool
) -> None:
    set_choice(db, "calls_and_texts")
    household = [
        register_patient(db, INTEGRATION, {
            "given_names": given, "surnames": ["Ortega"], "dob": dob,
            "phone": DANIELS_NUMBER, "preferred_language": "es", "plan": "Medicare",
        })
        for given, dob in (("Rosa", "1981-02-14"), ("Maria", "2004-06-30"))
    ]
    stop = Conversation(channel="sms", caller_phone=DANIELS_NUMBER, language="es")
    start = Conversation(channel="sms", caller_phone=started_from, language="es")
    db.add_all([stop, start])
    db.flush()
    # An unverified STOP withdraws for every record of the number; Maria, verified, says START.
    for patient in household:
        opt_out_everywhere(db, INTEGRATION, patient.id, "sms", stop.id)
    record_consent(db, INTEGRATION, household[1].id, "texts", True, "sms", start.id)

    daniel = take_in(db).patient

    assert consents_in_force(daniel)["texts"] is daniel_may_get_texts
    assert consents_in_force(daniel)["automated_calls"] is False  # START turns on texts only
    assert consents_in_force(household[0])["texts"] is False
