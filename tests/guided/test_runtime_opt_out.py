"""Through the runtime and the real catalog: what a verified patient's opt-out records."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referraldesk.conversation import runtime
from referraldesk.db.session import session_factory
from referraldesk.models import Consent, Patient, ToolCall


def _verified_chat(session: Session, patient: Patient) -> str:
    conversation, _ = runtime.start_conversation(session, "chat", language="en")
    runtime.handle_message(session, conversation.id, "when is my appointment?")
    runtime.handle_message(
        session, conversation.id, f"{patient.given_names} {' '.join(patient.surnames)}"
    )
    verified = runtime.handle_message(session, conversation.id, patient.dob.isoformat())
    assert verified.reply.startswith("Thank you, I found the record")
    return conversation.id


def test_a_bare_cancel_in_a_verified_chat_opts_nobody_out(demo: Engine) -> None:
    """"cancel" is a carrier keyword on a text thread only; in a chat it is no opt-out,
    and the patient is never told one was noted."""
    with session_factory(demo)() as session:
        patient = session.scalars(select(Patient).order_by(Patient.id)).first()
        conversation_id = _verified_chat(session, patient)
        consents_before = session.scalars(select(Consent.id)).all()

        turn = runtime.handle_message(session, conversation_id, "cancel")
        session.commit()
        consent_calls = session.scalars(
            select(ToolCall).where(ToolCall.name == "record_consent")
        ).all()

        assert "contact" not in turn.reply
        assert consent_calls == []
        assert session.scalars(select(Consent.id)).all() == consents_before


def test_a_bare_cancel_in_a_verified_chat_asks_which_appointment_to_cancel(
    demo: Engine,
) -> None:
    """In a chat about appointments "cancel" means the appointment, as in full words."""
    with session_factory(demo)() as session:
        patient = session.scalars(select(Patient).order_by(Patient.id)).first()
        bare = runtime.handle_message(session, _verified_chat(session, patient), "cancel")
        worded = runtime.handle_message(
            session, _verified_chat(session, patient), "I want to cancel my appointment"
        )
        session.commit()

    assert bare.reply == worded.reply
    assert "cancel" in bare.reply
