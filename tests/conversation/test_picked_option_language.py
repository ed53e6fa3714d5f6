"""Picking an offered slot by its number never switches the conversation's language,
whatever the provider's name looks like ("Castañeda", "Sofía" in an English call)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from referraldesk.conversation import runtime
from referraldesk.conversation.turn import AgentTurn
from referraldesk.db.session import session_factory

SCRIPTS = {
    # Demo patients with referrals to book: the English caller is offered Dr. Gregorio
    # Castañeda among others, the Spanish one providers with English names.
    "en": ["I need to book my referral visit", "Jaswinder Atwal", "August 27 1948",
           "any weekday morning"],
    "es": ["Necesito una cita para mi referencia", "Diego Cervantes",
           "29 de septiembre de 1964", "cualquier día entre semana"],
}


def _talk(engine: Engine, language: str, lines: list[str]) -> list[AgentTurn]:
    turns = []
    with session_factory(engine)() as session:
        conversation, _ = runtime.start_conversation(session, "chat", language=language)
        session.commit()
        for line in lines:
            turns.append(runtime.handle_message(session, conversation.id, line))
            session.commit()
    return turns


def _offer(engine: Engine, language: str) -> list[str]:
    offer = _talk(engine, language, SCRIPTS[language])[-1]
    assert offer.awaiting == "slot_choice", offer.reply
    return [option.label for option in offer.options]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_offered_slot_picked_by_number_keeps_the_language(
    demo: Engine, language: str
) -> None:
    labels = _offer(demo, language)

    for number in range(1, len(labels) + 1):
        confirm = _talk(demo, language, [*SCRIPTS[language], str(number)])[-1]
        assert confirm.awaiting == "confirm", (number, confirm.reply)
        assert confirm.language == language, (labels[number - 1], confirm.reply)
