"""Which language a caller turn is in, and which one the caller wants."""

from __future__ import annotations

import re

from .text import fold, words

# A caller who asks for a language wants it, whatever language the request was made in
# ("can I speak Spanish? ¿Se puede en español?").
_WANTS_SPANISH = re.compile(
    r"\b(?:en espanol|in spanish|speak spanish|habla espanol|hablar espanol|hablo espanol|"
    r"spanish please|espanol por favor|en castellano|no hablo ingles|no entiendo ingles|"
    r"alguien que hable espanol|solo espanol|spanish speaker)\b"
)
_WANTS_ENGLISH = re.compile(
    r"\b(?:in english|speak english|en ingles|hablar ingles|english please|habla ingles|"
    r"no hablo espanol|i don'?t speak spanish)\b"
)

_SPANISH_WORDS = frozenset(
    words(
        """
        el la los las de del que y en un una por para con mi mis me su es son esta estoy soy
        tengo tiene quiero necesito puedo puede cita hola buenos buenas dias tardes noches
        gracias si no se sabe porque cuando donde como manana hoy ayer semana lunes martes
        miercoles jueves viernes sabado domingo doctor doctora hijo hija esposo esposa seguro
        nombre llamo fecha nacimiento nacio naci favor claro bueno esta bien perfecto vale hora
        horas temprano tarde noche despues antes pero tambien muy dolor medico cancelar cambiar
        sacar hacer ver otra otro mas o sea ahorita orale andale sale quisiera podria ustedes
        usted habla hablar espanol nada todo mucho poco aqui alla
        """
    )
)
_ENGLISH_WORDS = frozenset(
    words(
        """
        the a an i i'm im my me you your is are am was to of and or in on at for with this that
        it it's hi hello hey yes yeah yep nope need want would like can could please thanks
        thank appointment doctor what when where how do does don't dont have has get got be
        morning afternoon evening tomorrow today week monday tuesday wednesday thursday friday
        saturday sunday name born insurance plan call speak talk person work works sure okay
        just so but not any anything after before about new here there back bill pain hurts
        that's thats all nope nah thank
        """
    )
)
# "Do your doctors speak Spanish?" asks about the providers; it is not a request to
# switch the conversation.
_ABOUT_SOMEONE_ELSE = re.compile(
    r"\b(?:doctors?|doctoras?|doctores|providers?|physicians?|nurses?|staff|specialists?|"
    r"dr|does (?:he|she)|do they|el doctor|la doctora|los doctores|el medico|la medica|"
    r"los medicos|el especialista|la especialista)\b[^?!]*\b(?:speak|speaks|habla|hablan)\b"
)
_NEUTRAL = frozenset({"ok", "okay", "no", "si", "hmm", "um", "uh", "eh", "mm"})
_SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]", re.IGNORECASE)


_NAMES_SPANISH = re.compile(r"\b(?:spanish|espanol|castellano)\b")
_NAMES_ENGLISH = re.compile(r"\b(?:english|ingles)\b")


def named_language(text: str) -> str | None:
    """Return the language a message names ("do your doctors speak Spanish?"), if any."""
    folded = fold(text)
    if _NAMES_SPANISH.search(folded):
        return "es"
    if _NAMES_ENGLISH.search(folded):
        return "en"
    return None


def requested_language(text: str) -> str | None:
    """Return 'es' or 'en' when the caller asks for a language, else None."""
    folded = fold(text)
    if _ABOUT_SOMEONE_ELSE.search(folded):
        return None
    if _WANTS_SPANISH.search(folded):
        return "es"
    if _WANTS_ENGLISH.search(folded):
        return "en"
    return None


def detect_language(text: str, hint: str | None = None) -> str:
    """Return 'en' or 'es' for a caller turn; the hint decides neutral text ("ok", "7:30")."""
    asked = requested_language(text)
    if asked:
        return asked
    folded = fold(text)
    words = re.findall(r"[a-z']+", folded)
    if words in (["si"],) or folded.strip(" .!?¡¿") in ("si", "sí"):
        return "es"
    spanish = sum(w in _SPANISH_WORDS for w in words) + 2 * len(_SPANISH_MARKS.findall(text))
    english = sum(w in _ENGLISH_WORDS for w in words)
    if spanish == english or all(w in _NEUTRAL for w in words):
        return hint or "en"
    return "es" if spanish > english else "en"
