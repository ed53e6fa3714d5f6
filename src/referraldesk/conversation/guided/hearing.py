"""What one caller message says, as the guided brain uses it.

`understand` (the bilingual understanding layer) reads facts and the intent; this
module adds what the dialogue needs on top: which language the caller asked for,
and the guard and cue flags of `guards`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from referraldesk.conversation.guardrails import SMS_ONLY_STOP_WORDS, asks_to_stop_contact
from referraldesk.conversation.guided import guards
from referraldesk.patients.names import fold
from referraldesk.understanding import Lexicon, Understanding, understand
from referraldesk.understanding.language import named_language, requested_language
from referraldesk.understanding.model import Name


@dataclass(frozen=True)
class Heard:
    """One caller message, understood."""

    text: str
    u: Understanding
    wants_language: str | None
    injection: bool
    medical_advice: bool
    none_fit: bool
    soonest: bool
    provider_question: bool = False
    # Words of self-harm: the emergency reply adds the 988 crisis line.
    self_harm: bool = False
    # The language a question names ("do your doctors speak Spanish?"), asked or not.
    language_named: str | None = None

    @property
    def intent(self) -> str | None:
        # A question about providers' languages or video visits reads as a request
        # for a language or a service to the understanding layer; it is a question.
        if self.provider_question and self.u.intent in (None, "services_question"):
            return "provider_question"
        return self.u.intent

    @property
    def yes(self) -> bool:
        return self.u.yes_no is True

    @property
    def no(self) -> bool:
        return self.u.yes_no is False

    @property
    def dates(self) -> list[date]:
        return [date.fromisoformat(value) for value in self.u.dates]

    @property
    def times(self) -> list[time]:
        return [time.fromisoformat(value) for value in self.u.times]

    @property
    def window(self) -> dict[str, Any] | None:
        window = self.u.window
        if window is None or not (window.after or window.before or window.weekdays):
            return None
        return {"after": window.after, "before": window.before, "weekdays": list(window.weekdays)}

    @property
    def date_range(self) -> dict[str, str] | None:
        span = self.u.date_range
        return {"start": span.start, "end": span.end} if span is not None else None

    @property
    def has_time_facts(self) -> bool:
        return bool(
            self.window or self.u.dates or self.u.times or self.soonest or self.u.date_range
        )


def hear(
    text: str, *, lang: str, awaiting: str, now: datetime, lexicon: Lexicon, channel: str = "chat"
) -> Heard:
    """Understand `text` said at local `now` on `channel` while the agent awaits `awaiting`."""
    understood = understand(text, now=now, lang=lang, awaiting=awaiting, lexicon=lexicon)
    if understood.intent == "opt_out" and not asks_to_stop_contact(text, "opt_out", channel):
        # "cancel" in a chat is about an appointment, not our texts; and the one word
        # is a request, never a name, even while a name is awaited.
        meant = SMS_ONLY_STOP_WORDS.get(fold(text))
        understood = understood.model_copy(update={"intent": meant, "name": Name()})
    return Heard(
        text=text,
        u=understood,
        wants_language=requested_language(text),
        injection=guards.is_injection(text),
        medical_advice=guards.asks_medical_advice(text),
        none_fit=guards.says_none_fit(text),
        soonest=guards.wants_soonest(text),
        provider_question=guards.asks_about_providers(text),
        language_named=named_language(text),
        self_harm=guards.speaks_of_self_harm(text),
    )
