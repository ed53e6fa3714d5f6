"""`understand`: one caller turn in, everything the dialogue manager can use out."""

from __future__ import annotations

from datetime import datetime

from .catalog import match_plan, match_specialty
from .dob import BirthDate, read_dob, says_birth
from .intents import detect_intent
from .language import detect_language
from .lexicon import DEFAULT_LEXICON, Lexicon
from .mentions import Context
from .model import Name, Understanding
from .names import read_name
from .phones import read_phone
from .ranges import read_date_range
from .temporal import find_mentions, normalize
from .windows import read_window
from .yesno import read_yes_no

# What the agent just asked for decides how loosely a turn is read: a bare
# "Daniel Ortega" is a name only when a name was asked for.
_NAME_AWAITED = frozenset({"name"})
_DOB_AWAITED = frozenset({"dob", "name"})
# A date of birth or a phone number is never a time preference.
_NO_WINDOW_AWAITED = frozenset({"dob", "phone", "name", "plan"})


def understand(
    text: str,
    *,
    now: datetime,
    lang: str | None = None,
    awaiting: str | None = None,
    lexicon: Lexicon = DEFAULT_LEXICON,
) -> Understanding:
    """Read one caller turn against the site-local, tz-aware `now`.

    `lang` is the conversation's language so far ('en' | 'es'); it decides neutral
    turns ("ok", "7:30") and how numeric dates are read. `awaiting` is what the agent
    just asked for (API.md turn `awaiting`); it lets a bare answer count as a name,
    a date of birth or a phone number.
    """
    if now.tzinfo is None:
        raise ValueError(
            "understand() needs a tz-aware `now` in the site's zone, got a naive datetime"
        )
    language = detect_language(text, lang)
    reading_lang = lang or language
    birth = _birth_date(text, now, reading_lang, awaiting)
    mentions = find_mentions(text, Context(now=now, lang=reading_lang))
    if birth is not None:
        mentions = [m for m in mentions if not m.overlaps(birth.mention.start, birth.mention.end)]
    phone, phone_invalid = read_phone(text, reading_lang, expected=awaiting == "phone")
    plan, candidates = match_plan(text, lexicon)
    return Understanding(
        language=language,
        intent=detect_intent(text),
        dates=[m.date.isoformat() for m in mentions if m.date is not None],
        times=[m.time.strftime("%H:%M") for m in mentions if m.time is not None],
        window=None
        if awaiting in _NO_WINDOW_AWAITED
        else read_window(text, reading_lang, asked=awaiting == "time_preference"),
        dob=birth.value.isoformat() if birth else None,
        name=_name(text, awaiting, reading_lang),
        phone=phone if awaiting != "dob" else None,
        plan=plan,
        specialty=match_specialty(text, lexicon),
        yes_no=read_yes_no(text),
        dob_ambiguous=bool(birth and birth.alternative),
        dob_alternative=birth.alternative.isoformat() if birth and birth.alternative else None,
        phone_invalid=phone_invalid and awaiting != "dob",
        plan_candidates=candidates,
        date_range=None
        if awaiting in _NO_WINDOW_AWAITED
        else read_date_range(normalize(text, reading_lang), now.date()),
    )


def _birth_date(text: str, now: datetime, lang: str, awaiting: str | None) -> BirthDate | None:
    if awaiting not in _DOB_AWAITED and not says_birth(text):
        return None
    return read_dob(text, now, lang)


def _name(text: str, awaiting: str | None, lang: str) -> Name:
    return read_name(text, expected=awaiting in _NAME_AWAITED, lang=lang)
