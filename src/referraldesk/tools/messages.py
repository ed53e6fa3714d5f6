"""Texts a tool builds for the patient, in English or Spanish, without a locale library.

A text message leaves our control (lock screens, shared phones), so it carries no
PHI beyond the first name, the date, the time and the site: no provider, specialty,
service or reason, any of which can reveal a condition.
"""

from __future__ import annotations

from datetime import datetime

# Month and weekday names live in the phrasebook, like every other word we say.
from referraldesk.conversation.phrasebook.phrasebook import calendar

_CONFIRMATION = {
    "en": "{practice}Hi {first_name}, your appointment is confirmed for {when} at {site}. "
    "Reply STOP to stop texts.",
    "es": "{practice}Hola {first_name}, su cita está confirmada para el {when} en {site}. "
    "Responda STOP para no recibir mensajes.",
}


def spoken_date_time(local_start: datetime, language: str) -> str:
    """ "Tuesday, March 10 at 9:30 AM" or "martes 10 de marzo a las 9:30 a. m."."""
    lang = language if language in ("en", "es") else "en"
    weekday = calendar(lang)["weekdays"][local_start.weekday()]
    month = calendar(lang)["months"][local_start.month - 1]
    hour12 = local_start.hour % 12 or 12
    clock = f"{hour12}:{local_start.minute:02d}"
    if lang == "es":
        article = "a la" if hour12 == 1 else "a las"
        meridiem = "a. m." if local_start.hour < 12 else "p. m."
        return f"{weekday} {local_start.day} de {month} {article} {clock} {meridiem}"
    meridiem = "AM" if local_start.hour < 12 else "PM"
    return f"{weekday}, {month} {local_start.day} at {clock} {meridiem}"


def confirmation_text(
    *, practice: str, first_name: str, local_start: datetime, site: str, language: str
) -> str:
    lang = language if language in _CONFIRMATION else "en"
    return _CONFIRMATION[lang].format(
        practice=f"{practice}: " if practice else "",
        first_name=first_name,
        when=spoken_date_time(local_start, lang),
        site=site,
    )
