"""What a caller says that the guided brain must not act on, and a few dialogue cues.

The understanding layer reads facts and intents; these patterns catch what a front
desk must refuse whatever the intent (attempts to change the agent's rules or to
reach another patient's data, requests for medical advice) and the short cues of the
slot dialogue ("none of those", "as soon as possible"). Patterns run on folded text:
lower case, no accents.
"""

from __future__ import annotations

import re

from referraldesk.understanding.text import fold


def _any(*alternatives: str) -> re.Pattern[str]:
    """One pattern matching any alternative as whole words."""
    return re.compile("|".join(rf"\b(?:{alternative})\b" for alternative in alternatives))


_INJECTION = _any(
    r"(?:ignore|disregard|forget|override) (?:all |any |the |your |my )?"
    r"(?:previous |prior |above |earlier )?(?:instructions|rules|prompts?|guidelines)",
    r"system prompt|developer mode|jailbreak|you are now|pretend (?:to be|you are)",
    r"act as (?:an? )?(?:admin|doctor|developer)|reveal (?:your|the) (?:rules|prompt|instructions)",
    r"(?:ignora|olvida|olvidate de) (?:todas |las |tus |sus )?(?:instrucciones|reglas)",
    r"modo desarrollador|finge que eres|ahora eres",
)
# Someone else's data: a neighbour driving the caller is fine, the neighbour's chart is not.
_OTHER_PATIENTS = _any(
    r"(?:neighbou?r|co-?worker|friend|some(?:one|body) else|another patient)'?s "
    r"(?:appointments?|records?|information|info|chart|date of birth|birthday|phone|address)",
    r"other patients'?|all (?:the )?patients|every patient|list of patients|patient list",
    r"(?:la cita|las citas|el expediente|los datos|la informacion|el telefono) de "
    r"(?:mi vecin[oa]|otra persona|otro paciente|mi companer[oa])",
    r"otros pacientes|todos los pacientes|lista de pacientes",
)
_MEDICAL_ADVICE = _any(
    r"should i take|can i take|what (?:medicine|medication|pills?|dose) (?:should|can|do)",
    r"how much (?:\w+ )?(?:should|can) (?:i|he|she|we) (?:take|give)",
    r"is (?:it|this|that) (?:normal|serious|dangerous|safe)|what do you think (?:it|this) is",
    r"do i need (?:antibiotics|surgery|medicine)|dosage|diagnose",
    r"que (?:medicina|medicamento|pastilla)s? (?:tomo|puedo|debo|le doy)|puedo tomar|debo tomar",
    r"es normal|es grave|es peligroso|que dosis|cuanto (?:le )?(?:doy|tomo)|que le doy",
    r"que me recomienda tomar",
)
_NONE_FIT = _any(
    r"none of (?:those|them|these)|neither|no(?:ne)? (?:of those )?works?|those don'?t work",
    r"doesn'?t work|don'?t work|can'?t do (?:any|those)|something else",
    r"other (?:times|days|options)",
    r"ninguna?|ninguno de esos|no me (?:sirve|sirven|queda|quedan)",
    r"otr[oa]s? (?:horarios?|dias?|opciones?)",
)
_SOONEST = _any(
    r"as soon as (?:possible|you can)|asap|earliest|soonest|first available|any ?time|whenever",
    r"doesn'?t matter|any day|lo (?:mas )?pronto (?:posible|que se pueda)|cuando sea",
    r"lo antes posible|a cualquier hora|cualquier dia|la que sea|no importa",
    r"la primera disponible|lo mas pronto",
)
_THIS_NUMBER = _any(
    r"this (?:number|phone|one)|the (?:number|one) i'?m (?:calling|texting) from|same number",
    r"este (?:numero|telefono|mismo)|el mismo|del que (?:llamo|estoy llamando|escribo)",
)
_PROVIDER_QUESTION = re.compile(
    r"\b(?:doctors?|providers?|physicians?|specialists?|medicos?|doctoras?|doctores|especialistas?)\b"
    r".*\b(?:speaks?|habla|hablan|telehealth|video|virtual|telesalud|videollamada)\b"
    r"|\b(?:telehealth|video visits?|virtual visits?|consultas? por video|telesalud)\b"
)
_SELF_HARM = _any(
    r"suicid\w*|kill (?:my|him|her)self|(?:hurt|harm|cut) (?:my|him|her)self|want to die",
    r"end (?:my|his|her) life|don'?t want to (?:live|be alive)",
    r"(?:me )?quiero morir|matarme|quitarme la vida|(?:hacerme|hacerse) dano|lastimarme",
    r"cortarme|no quiero vivir|suicidarme",
)
_TELEHEALTH = _any(r"telehealth|video|virtual|online|telemedicine|telesalud|videollamada|en linea")


def _finds(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(fold(text)) is not None


def is_injection(text: str) -> bool:
    """True for attempts to change the agent's rules or reach other patients' data."""
    return _finds(_INJECTION, text) or _finds(_OTHER_PATIENTS, text)


def asks_medical_advice(text: str) -> bool:
    return _finds(_MEDICAL_ADVICE, text)


def says_none_fit(text: str) -> bool:
    return _finds(_NONE_FIT, text)


def wants_soonest(text: str) -> bool:
    return _finds(_SOONEST, text)


def means_this_number(text: str) -> bool:
    return _finds(_THIS_NUMBER, text)


def speaks_of_self_harm(text: str) -> bool:
    return _finds(_SELF_HARM, text)


def mentions_telehealth(text: str) -> bool:
    return _finds(_TELEHEALTH, text)


def asks_about_providers(text: str) -> bool:
    """True for "do your doctors speak Spanish?" or "do you do video visits?"."""
    return _finds(_PROVIDER_QUESTION, text)
