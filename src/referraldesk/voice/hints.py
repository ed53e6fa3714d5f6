"""How to listen for the next answer, from what the engine has just asked for.

A date of birth can be keyed as eight digits (MMDDYYYY) and a phone number as ten,
each ended early with #; a choice among offered options or a yes/no takes one key.
Speech hints name the words the recognizer should expect (month names for a birth
date, "yes"/"no" for a confirmation), in the conversation's language.
"""

from __future__ import annotations

from dataclasses import dataclass

# Seconds of silence before a Gather gives up and reports an empty result.
LISTEN_SECONDS = 6
DOB_DIGITS = 8
PHONE_DIGITS = 10

_MONTHS = {
    "en": "January,February,March,April,May,June,July,August,September,October,November,December",
    "es": "enero,febrero,marzo,abril,mayo,junio,julio,agosto,septiembre,octubre,"
    "noviembre,diciembre",
}
_YES_NO = {"en": "yes,no,that's right", "es": "sí,no,correcto"}
_LANGUAGES = "English,español,Spanish,inglés"


@dataclass(frozen=True)
class Listening:
    """The Gather settings for one answer: `num_digits` None lets # or the timeout end keys."""

    num_digits: int | None = None
    finish_on_key: str = "#"
    speech_hints: str | None = None
    timeout_seconds: int = LISTEN_SECONDS


def listening_for(awaiting: str, language: str, *, first_answer: bool = False) -> Listening:
    """The Gather settings for an answer to a turn awaiting `awaiting`."""
    lang = "es" if language == "es" else "en"
    if first_answer:
        return Listening(num_digits=1, speech_hints=_LANGUAGES)
    if awaiting == "dob":
        return Listening(num_digits=DOB_DIGITS, speech_hints=_MONTHS[lang])
    if awaiting == "phone":
        return Listening(num_digits=PHONE_DIGITS)
    if awaiting == "confirm":
        return Listening(num_digits=1, speech_hints=_YES_NO[lang])
    if awaiting == "slot_choice":
        return Listening(num_digits=1)
    return Listening()


def key_hint(awaiting: str) -> str | None:
    """The phrase key telling the caller that keys work here, if they do."""
    return {"dob": "dob_keys", "phone": "phone_keys", "slot_choice": "choice_keys"}.get(awaiting)
