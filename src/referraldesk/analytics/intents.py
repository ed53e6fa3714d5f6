"""Which of the closed intents a conversation was about.

What the conversation did speaks louder than what was said: a booking made for
a referral is `book_referral_visit` however the caller phrased it. Only when no
action settles it do the caller's words decide, through bilingual cue patterns.
"""

from __future__ import annotations

import re

from referraldesk.analytics.schema import ConversationFacts, Intent

_OUTCOME_INTENTS: dict[str, Intent] = {
    "emergency": "emergency",
    "rescheduled": "reschedule",
    "cancelled": "cancel",
}

_REFERRAL_CUE = re.compile(
    r"referr|my doctor (said|sent|told)|me mand(aron|[oó])|me refiri|referencia"
)

# Ordered: the first pattern that matches the caller's words wins.
_CUES: list[tuple[Intent, re.Pattern[str]]] = [
    ("emergency", re.compile(
        r"chest pain|can'?t breathe|cannot breathe|not breathing|bleeding a lot|overdose|"
        r"suicid|stroke|unconscious|dolor (muy fuerte )?en el pecho|no puede respirar|"
        r"le cuesta respirar|sangra mucho|desmay|infarto")),
    ("wrong_number", re.compile(
        r"wrong number|number wrong|who is this|n[uú]mero equivocado|me equivoqu[eé]|"
        r"equivocad[oa] de n[uú]mero|pizza|"
        # asking whether this is some other business: "¿Es la farmacia Rite Aid?"
        r"(is this|es (la|el)) (the )?(farmacia|pharmacy|restaurant|store|tienda|bank|banco|"
        r"school|escuela|taller)")),
    ("reschedule", re.compile(
        r"reschedul|move my (appointment|appt)|change my (appointment|appt)|different day|"
        r"cambiar (mi|la) cita|mover (mi|la) cita|reprogramar|otro d[ií]a")),
    ("cancel", re.compile(r"cancel|anular")),
    ("prescription_question", re.compile(
        r"prescription|refill|medication|medicine|pharmacy|receta|medicina|medicamento|"
        r"farmacia|pastillas")),
    ("billing_question", re.compile(
        r"\bbill\b|billing|invoice|statement|charge[ds]?\b|balance|owe|how much (does|is|will)|"
        r"cost|price|payment plan|factura|cobr|cuenta|pagar|deuda|saldo|cu[aá]nto cuesta|"
        r"precio|descuento|plan de pagos")),
    ("insurance_question", re.compile(
        r"insurance|do you take|accept my|in network|medi-?cal|medicare|covered|copay|"
        r"seguro|aceptan|cubre|aseguranza")),
    ("appointment_question", re.compile(
        r"when is my|what time is my|my appointment (is|on)|do i have an appointment|"
        r"cu[aá]ndo es mi cita|a qu[eé] hora es mi cita|tengo cita")),
    ("hours_location", re.compile(
        r"what time|hours|open|close[sd]?\b|address|where are you|located|directions|"
        r"horario|abren|cierran|a qu[eé] hora|direcci[oó]n|d[oó]nde (est[aá]n|quedan)")),
    ("provider_question", re.compile(
        r"does (dr|doctor)|which doctor|speak spanish|telehealth|video visit|"
        r"habla español|qu[eé] doctor|el doctor|la doctora|videollamada")),
    ("book_referral_visit", _REFERRAL_CUE),
    ("new_appointment", re.compile(
        r"appointment|book|schedule|see (a|the) doctor|cita|consulta|agendar|sacar")),
]


# "This isn't about an appointment": a mention that rules the topic out.
_NOT_ABOUT = re.compile(
    r"(isn'?t|is not|not) (about|for) (an?|my) (appointment|appt)|no es (para|sobre|por) (una|mi) cita"
)


def classify_intent(facts: ConversationFacts) -> Intent:
    settled = _settled_by_action(facts)
    if settled is not None:
        return settled
    said = _NOT_ABOUT.sub(" ", " ".join(facts.caller_texts).lower())
    if facts.direction == "outbound" and facts.has_referral:
        # A follow-up call exists to book the referral, whatever the answer was.
        return "book_referral_visit"
    if _used(facts, "get_patient_insurance") and not _CUES[0][1].search(said):
        return "insurance_question"
    for intent, pattern in _CUES:
        if pattern.search(said):
            if intent == "new_appointment" and facts.has_referral:
                return "book_referral_visit"
            return intent
    return "other"


def _settled_by_action(facts: ConversationFacts) -> Intent | None:
    if facts.outcome in _OUTCOME_INTENTS:
        return _OUTCOME_INTENTS[facts.outcome]
    booked = facts.outcome == "booked" or _succeeded(facts, "schedule_appointment")
    if booked:
        return "book_referral_visit" if _about_a_referral(facts) else "new_appointment"
    if _succeeded(facts, "reschedule_appointment"):
        return "reschedule"
    if _succeeded(facts, "cancel_appointment"):
        return "cancel"
    return None


def _about_a_referral(facts: ConversationFacts) -> bool:
    said = " ".join(facts.caller_texts).lower()
    return facts.has_referral or bool(_REFERRAL_CUE.search(said))


def _used(facts: ConversationFacts, tool: str) -> bool:
    return any(use.name == tool for use in facts.tools)


def _succeeded(facts: ConversationFacts, tool: str) -> bool:
    return any(use.name == tool and use.ok for use in facts.tools)
