"""Through the runtime and the real catalog: an anonymous web chat asking for a person
leaves staff a task with the number the caller typed, or hears the practice's number."""

from __future__ import annotations

from sqlalchemy import Engine, select

from referraldesk.conversation import runtime
from referraldesk.db.session import session_factory
from referraldesk.models import Location, StaffTask
from referraldesk.patients.phones import try_normalize_phone


def test_a_web_chat_caller_gets_called_back_on_the_number_they_typed(demo: Engine) -> None:
    with session_factory(demo)() as session:
        conversation, _ = runtime.start_conversation(session, "chat", language="en")
        asked = runtime.handle_message(session, conversation.id, "I want to talk to a person")
        done = runtime.handle_message(session, conversation.id, "559-555-0143")
        session.commit()
        tasks = session.scalars(select(StaffTask)).all()

    assert asked.awaiting == "phone"
    assert "call or text you back shortly" in done.reply
    assert [(task.conversation_id, task.callback_phone) for task in tasks] == [
        (conversation.id, "+15595550143")
    ]


def test_a_web_chat_caller_without_a_number_hears_the_practice_number(demo: Engine) -> None:
    with session_factory(demo)() as session:
        conversation, _ = runtime.start_conversation(session, "chat", language="es")
        runtime.handle_message(session, conversation.id, "quiero hablar con una persona")
        done = runtime.handle_message(session, conversation.id, "no")
        session.commit()
        site_phones = [try_normalize_phone(p) for p in session.scalars(select(Location.phone))]
        tasks = session.scalars(select(StaffTask)).all()

    # The first site's number, as people dial it.
    assert "+15595550600" in site_phones
    assert "puede llamar a la clínica al (559) 555-0600." in done.reply
    assert tasks == []
