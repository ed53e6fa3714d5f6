"""A patient with a real history: registered with coverage, referred, texted by outreach,
booked by the agent over SMS (the practice's scheduling feed on, so the booking also
leaves an SIU naming her), the conversation ended and analysed; and a second patient
who must come through every data-rights action untouched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.outreach.support import INTAKE, FakeTwilio, refer, twilio

from referraldesk import clock
from referraldesk.conversation import runtime
from referraldesk.models import IntakeMessage, Patient, Practice
from referraldesk.outreach.service import run_outreach
from referraldesk.patients.consents import record_consent
from referraldesk.patients.service import register_patient
from referraldesk.practice.loader import demo_config, load_config

PHONE = "+15595550143"
OTHER_PHONE = "+15595550199"
# The practice-management system's interface engine; nothing listens, nothing is sent.
PM_FEED = "mllp://pm.example:2575"
MEMBER_ID = "XGM884215570"
SAID = ("Soy María Elena López García", "el 3 de abril del 85", "temprano, antes de las 9")
# Every value that names the patient: none may survive an erasure anywhere. Each
# accented name on its own too (ciphertext is ASCII, so no false hit), and the date of
# birth as ISO, HL7 (PID-7) and US forms.
NEEDLES = (
    "María Elena", "María", "López García", "López", "García", "lopez garcia",
    "1985-04-03", "19850403", "04/03/1985", "4/3/1985",
    PHONE, "5595550143", MEMBER_ID, "rash on both forearms", *SAID,
)


@dataclass(frozen=True)
class History:
    patient_id: str
    other_id: str
    referral_id: str
    conversation_id: str


def load_practice(session: Session) -> None:
    load_config(session, demo_config())
    practice = session.scalars(select(Practice)).one()
    practice.policy = {**practice.policy, "scheduling_feed": {"send_to": PM_FEED}}
    session.commit()


def register(session: Session, given: str, surnames: list[str], dob: date, phone: str,
             member_id: str) -> Patient:
    patient = register_patient(session, INTAKE, {
        "given_names": given, "surnames": surnames, "dob": dob.isoformat(), "phone": phone,
        "preferred_language": "es", "plan": "Anthem Blue Cross Medi-Cal", "member_id": member_id,
    })
    for kind in ("texts", "automated_calls"):
        record_consent(session, INTAKE, patient.id, kind, True, "intake")
    return patient


def build_history(session: Session) -> History:
    """Friday 6 March 2026 19:00 PST onwards: intake, outreach, an SMS booking."""
    clock.set_now(datetime.fromisoformat("2026-03-07T03:00:00+00:00"), frozen=True)
    patient = register(session, "María Elena", ["López", "García"], date(1985, 4, 3), PHONE,
                       MEMBER_ID)
    other = register(session, "Rosa", ["Delgado", "Cruz"], date(1990, 7, 21), OTHER_PHONE,
                     "XGM000111222")
    referral = refer(session, patient)
    refer(session, other, reason="knee pain after a fall")
    session.add(_faxed_copy(referral.id))
    session.commit()

    clock.set_now(datetime.fromisoformat("2026-03-08T04:30:00+00:00"), frozen=True)
    run_outreach(session, sms=twilio(FakeTwilio()))
    conversation, _ = runtime.continue_text_thread(session, "sms", PHONE)
    for text in (*SAID, "1", "sí"):
        runtime.handle_message(session, conversation.id, text)
    runtime.end_conversation(session, conversation.id)
    session.commit()
    return History(patient.id, other.id, referral.id, conversation.id)


def _faxed_copy(referral_id: str) -> IntakeMessage:
    """The same referral as a faxed PDF read for review: the file, its reading, our answer."""
    return IntakeMessage(
        channel="pdf", content_type="application/pdf", status="needs_review",
        referral_id=referral_id, sender="fax",
        body="Patient: María Elena López García  DOB 04/03/1985  rash on both forearms",
        document=b"%PDF-1.4 Patient Lopez Garcia DOB 1985-04-03 phone 5595550143 %%EOF",
        extracted={"given_names": {"value": "María Elena", "confidence": 0.9},
                   "dob": {"value": "1985-04-03", "confidence": 0.8}},
        reply="refused: dob 1985-04-03 does not match the patient on file",
    )
