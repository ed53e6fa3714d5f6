"""The channel's language hint (the recognizer's language on a call) at the runtime:
it decides words that read as either language, counts as evidence for the guided
brain, and cannot make a lone "ok" or a time switch anyone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from referraldesk.conversation import guardrails, runtime
from referraldesk.db.session import session_factory
from referraldesk.errors import InvalidArgument
from referraldesk.models import Conversation, Turn

NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def _say(engine: Engine, text: str, hint: str | None) -> tuple[str, list[str | None]]:
    """The conversation's language after `text` in a new English call, and the caller
    turns' languages."""
    with session_factory(engine)() as session:
        conversation, _ = runtime.start_conversation(session, "voice", language="en")
        runtime.handle_message(session, conversation.id, text, language_hint=hint)
        session.commit()
        language = session.get(Conversation, conversation.id).language  # type: ignore[union-attr]
        heard = session.scalars(
            select(Turn.language).where(
                Turn.conversation_id == conversation.id, Turn.speaker == "caller"
            )
        ).all()
        return language, list(heard)


@pytest.mark.parametrize(
    ("text", "hint", "language", "heard"),
    [
        ("hospital general", "es", "es", ["es"]),
        ("hospital general", None, "en", ["en"]),
        ("hospital general", "en", "en", ["en"]),
        ("ok", "es", "en", ["es"]),
        ("7:30", "es", "en", ["es"]),
        # Clear English words stay English whatever the recognizer was set to.
        ("I need an appointment", "es", "en", ["en"]),
    ],
)
def test_the_hint_decides_only_words_of_either_language(
    demo: Engine, text: str, hint: str | None, language: str, heard: list[str]
) -> None:
    assert _say(demo, text, hint) == (language, heard)


def test_an_unknown_hint_is_refused_naming_the_languages(demo: Engine) -> None:
    with session_factory(demo)() as session:
        conversation, _ = runtime.start_conversation(session, "voice", language="en")

        with pytest.raises(InvalidArgument, match="language_hint 'fr' is not one of en, es"):
            runtime.handle_message(session, conversation.id, "bonjour", language_hint="fr")


def test_the_guardrails_read_neutral_text_in_the_hinted_language() -> None:
    def hear(text: str, hint: str | None) -> str | None:
        return guardrails.hear(text, now=NOW, language="en", awaiting=None, hint=hint).language

    assert [hear("ok", "es"), hear("ok", None), hear("I need a visit", "es")] == [
        "es", "en", "en"]
