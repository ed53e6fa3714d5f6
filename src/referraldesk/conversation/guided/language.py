"""Following the caller's language.

A caller who asks for a language gets it and keeps it ("¿Se puede en español?").
Otherwise the conversation follows the language of each message, except answers
that are mostly a name, a date or a number: "José Luis Hernández" said in an
English conversation is not a switch to Spanish. On the phone the recognizer says
which language it transcribed in (the turn's `language_hint`): words that read as
either language are taken to be in that one, so they can switch the conversation
too, with the same word counts (a hinted "ok" or "7:30" switches nothing).
"""

from __future__ import annotations

import re
from typing import Any

from referraldesk.conversation.guided.step import Step
from referraldesk.understanding.language import detect_language

# Answers of these kinds switch the language only when they are long enough to be talk.
_FACT_ANSWERS = frozenset({"name", "dob", "phone", "plan"})
_TALK_WORDS_AFTER_FACT = 5
_TALK_WORDS = 2


def follow(step: Step) -> None:
    """Switch the conversation's language when the caller asks for it or speaks another."""
    frame, heard = step.frame, step.heard
    if heard is None:
        return
    if heard.intent == "provider_question":
        return
    wanted = heard.wants_language
    if wanted:
        frame.lang_locked = True
        if wanted != frame.lang:
            _switch(step, wanted)
            step.reply.say("language.switched")
        return
    if _is_an_offered_label(frame.offered, heard.text):
        # A pick by key or button arrives as the option's label ("… — Dra. Sofía
        # Villanueva"); the words are ours, not evidence of the caller's language.
        return
    spoken = _spoken_language(heard.text, heard.u.language, step.ctx.extra.get("language_hint"))
    if spoken == frame.lang or spoken not in ("en", "es") or frame.lang_locked:
        return
    words = len(re.findall(r"[^\W\d_]+", heard.text))
    needed = _TALK_WORDS_AFTER_FACT if frame.awaiting in _FACT_ANSWERS else _TALK_WORDS
    if words >= needed:
        _switch(step, spoken)


def _spoken_language(text: str, read: str, hint: str | None) -> str:
    """The language of the caller's words: as read, unless they read as either
    language and the channel transcribed them in `hint` ("Hospital General" heard
    by a Spanish recognizer is Spanish)."""
    if hint is None or hint == read:
        return read
    return detect_language(text, hint)


def _switch(step: Step, lang: str) -> None:
    step.frame.lang = lang
    step.reply.lang = lang


def _is_an_offered_label(offered: list[dict[str, Any]], text: str) -> bool:
    """Whether `text` is the label of an offered option, as either language shows it.

    Offered slots are kept without labels (they are worded per reply), so the labels
    are made again here; other offers carry their own.
    """
    from referraldesk.conversation.guided.slots import options_of

    said = text.strip().casefold()
    labels = {str(option.get("label", "")) for option in offered}
    slots = [option for option in offered if "start" in option]
    for lang in ("en", "es"):
        labels.update(option.label for option in options_of(slots, lang))
    return any(label.strip().casefold() == said for label in labels if label)
