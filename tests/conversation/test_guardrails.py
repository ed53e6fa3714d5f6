"""The guardrails hold below any brain, even a fake one that forgets them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conversation.factories import ScriptedBrain, reply_with, say, verify_with

from referraldesk.conversation import runtime
from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.turn import AgentTurn
from referraldesk.models import Consent, Conversation, Patient, StaffTask

NewSession = Callable[[], Session]


def start(new_session: NewSession, channel: str = "chat", phone: str | None = None) -> str:
    with new_session() as session:
        conversation, _ = runtime.start_conversation(session, channel, caller_phone=phone)
        session.commit()
        return conversation.id


def message(new_session: NewSession, conversation_id: str, text: str) -> AgentTurn:
    with new_session() as session:
        turn = runtime.handle_message(session, conversation_id, text)
        session.commit()
        return turn


def conversation_row(new_session: NewSession, conversation_id: str) -> Conversation:
    with new_session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation


def test_an_emergency_gets_911_first_even_when_the_brain_forgets(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("¿Quiere hacer una cita?", language="es", awaiting="reason"))]
    conversation_id = start(new_session)

    turn = message(
        new_session,
        conversation_id,
        "mi esposo tiene un dolor muy fuerte en el pecho y le cuesta respirar",
    )

    assert turn.reply.startswith("Si es una emergencia, cuelgue y llame al 911")
    assert turn.actions[0].type == "emergency"
    assert conversation_row(new_session, conversation_id).outcome == "emergency"


def test_a_brain_that_says_911_itself_is_not_repeated(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("Hang up and call 911 now.", outcome="emergency"))]
    conversation_id = start(new_session)

    turn = message(new_session, conversation_id, "I have chest pain")

    assert turn.reply == "Hang up and call 911 now."


def test_an_emergency_outcome_is_not_downgraded_later(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("Okay.")), reply_with(say("We open at 8.", outcome="answered"))]
    conversation_id = start(new_session)
    message(new_session, conversation_id, "I can't breathe")

    message(new_session, conversation_id, "when do you open?")

    assert conversation_row(new_session, conversation_id).outcome == "emergency"


def test_a_verified_caller_is_kept_on_the_conversation(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [verify_with("1985-04-03")]
    conversation_id = start(new_session)

    message(new_session, conversation_id, "María Elena López García, 3 de abril de 1985")

    assert conversation_row(new_session, conversation_id).patient_id == maria.id
    assert brain.contexts[-1].verified_patient_id == maria.id


def test_failed_identity_checks_are_counted_for_the_brain(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [verify_with("1985-04-04")]
    conversation_id = start(new_session)

    message(new_session, conversation_id, "María Elena López García")
    message(new_session, conversation_id, "4 de abril de 1985")

    assert conversation_row(new_session, conversation_id).failed_verifications == 2
    assert brain.contexts[-1].extra["failed_verifications"] == 2


def test_three_failed_identity_checks_transfer_without_saying_what_was_wrong(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [verify_with("1985-04-04")]
    conversation_id = start(new_session)
    message(new_session, conversation_id, "María Elena López García")
    message(new_session, conversation_id, "April 4 1985")

    third = message(new_session, conversation_id, "April 4 1985")

    assert third.reply == "I'm going to connect you with our staff, who can help you from here."
    assert "birth" not in third.reply and "name" not in third.reply
    assert [action.type for action in third.actions] == ["transfer"]
    conversation = conversation_row(new_session, conversation_id)
    assert (conversation.outcome, conversation.outcome_reason) == (
        "transferred",
        "verification_failed",
    )
    with new_session() as session:
        task = session.scalars(
            select(StaffTask).where(StaffTask.conversation_id == conversation_id)
        ).one()
        assert task.reason == "caller could not be verified"


def test_record_data_is_withheld_before_verification(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [reply_with(say("Is your birthday April 3, 1985, María?", awaiting="confirm"))]
    conversation_id = start(new_session, phone="+15595550143")

    turn = message(new_session, conversation_id, "hi, I need an appointment")

    assert "1985" not in turn.reply and "María" not in turn.reply
    assert turn.reply.startswith("Before I can share any details")
    assert turn.awaiting == "name"


def test_the_caller_may_hear_the_name_they_said(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [
        reply_with(say("Thanks, María Elena. What is your date of birth?", awaiting="dob"))
    ]
    conversation_id = start(new_session, phone="+15595550143")

    turn = message(new_session, conversation_id, "Soy María Elena López García")

    assert turn.reply == "Thanks, María Elena. What is your date of birth?"


def test_record_data_may_be_said_once_verified(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    def verified_then_dob(ctx: TurnContext, text: str) -> AgentTurn:
        verify_with("1985-04-03")(ctx, text)
        return say("Your date of birth is April 3, 1985.")

    brain.steps = [verified_then_dob]
    conversation_id = start(new_session, phone="+15595550143")

    turn = message(new_session, conversation_id, "María Elena López García, 3 de abril de 1985")

    assert turn.reply == "Your date of birth is April 3, 1985."


def test_stop_opts_the_number_out_at_once_without_the_brain(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    conversation_id = start(new_session, channel="sms", phone="+15595550143")

    turn = message(new_session, conversation_id, "STOP")

    assert brain.heard == []
    assert turn.reply.startswith("You won't get any more automated calls or texts")
    conversation = conversation_row(new_session, conversation_id)
    assert (conversation.status, conversation.outcome) == ("ended", "refused")
    with new_session() as session:
        withdrawn = session.scalars(
            select(Consent.kind).where(Consent.patient_id == maria.id, Consent.granted.is_(False))
        ).all()
        assert sorted(withdrawn) == ["automated_calls", "texts"]


def _in_spanish(new_session: NewSession, conversation_id: str) -> None:
    with new_session() as session:
        conversation = session.get(Conversation, conversation_id)
        conversation.language = "es"  # type: ignore[union-attr]
        session.commit()


def _withdrawn(new_session: NewSession, patient: Patient) -> list[str]:
    with new_session() as session:
        return sorted(
            session.scalars(
                select(Consent.kind).where(
                    Consent.patient_id == patient.id, Consent.granted.is_(False)
                )
            ).all()
        )


def test_no_me_llamen_opts_the_calling_number_out_in_spanish(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    conversation_id = start(new_session, channel="voice", phone="+15595550143")
    _in_spanish(new_session, conversation_id)

    turn = message(new_session, conversation_id, "por favor no me llamen más")

    assert turn.reply.startswith("Ya no le enviaremos llamadas ni mensajes automáticos")
    assert _withdrawn(new_session, maria) == ["automated_calls", "texts"]


def test_a_number_typed_into_a_web_chat_cannot_opt_its_owner_out(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    """Anyone can type anyone's number into the chat: staff confirm such a request."""
    conversation_id = start(new_session, channel="chat", phone="+15595550143")
    _in_spanish(new_session, conversation_id)

    turn = message(new_session, conversation_id, "por favor no me llamen más")

    assert turn.reply.startswith("Entendido. Pedí a nuestro personal")
    assert _withdrawn(new_session, maria) == []
    with new_session() as session:
        task = session.scalars(
            select(StaffTask).where(StaffTask.conversation_id == conversation_id)
        ).one()
        assert task.reason == "opt-out request from an unverified caller"
    conversation = conversation_row(new_session, conversation_id)
    assert (conversation.status, conversation.outcome) == ("ended", "refused")


def test_a_verified_chat_patient_opts_out_at_once(
    maria: Patient, brain: ScriptedBrain, new_session: NewSession
) -> None:
    brain.steps = [verify_with("1985-04-03")]
    conversation_id = start(new_session, channel="chat")
    message(new_session, conversation_id, "María Elena López García, 3 de abril de 1985")

    turn = message(new_session, conversation_id, "please stop calling me")

    assert turn.reply.startswith("You won't get any more automated calls or texts")
    assert _withdrawn(new_session, maria) == ["automated_calls", "texts"]


def test_a_bare_cancel_in_a_chat_goes_to_the_brain(
    practice: None, brain: ScriptedBrain, new_session: NewSession
) -> None:
    conversation_id = start(new_session)

    message(new_session, conversation_id, "cancel")

    assert brain.heard == ["cancel"]
