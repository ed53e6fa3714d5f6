"""A two- or three-sentence summary, in the practice's language, from the facts alone.

Built from the outcome and intent rather than by quoting the caller, so the summary
adds no transcript text of its own.
"""

from __future__ import annotations

from referraldesk.analytics.schema import ConversationFacts, Intent

_CHANNEL = {
    "en": {"voice": "call", "sms": "text conversation", "chat": "web chat", "terminal": "chat"},
    "es": {"voice": "llamada", "sms": "conversación por texto", "chat": "chat web",
           "terminal": "chat"},
}
_LANGUAGE = {"en": {"en": "English", "es": "Spanish"}, "es": {"en": "inglés", "es": "español"}}
_ASKED = {
    "en": {
        "book_referral_visit": "wanted to book a visit for a specialist referral",
        "new_appointment": "wanted a new appointment",
        "reschedule": "wanted to move an appointment",
        "cancel": "wanted to cancel an appointment",
        "appointment_question": "asked about an existing appointment",
        "hours_location": "asked about office hours or locations",
        "insurance_question": "asked about insurance or plans accepted",
        "billing_question": "had a billing question",
        "provider_question": "asked about a provider",
        "prescription_question": "asked about a prescription",
        "emergency": "described an emergency",
        "wrong_number": "reached the practice by mistake",
        "other": "had a request the agent could not classify",
    },
    "es": {
        "book_referral_visit": "quería agendar la visita de una referencia a especialista",
        "new_appointment": "quería una cita nueva",
        "reschedule": "quería cambiar una cita",
        "cancel": "quería cancelar una cita",
        "appointment_question": "preguntó por una cita existente",
        "hours_location": "preguntó por horarios o ubicaciones",
        "insurance_question": "preguntó por seguros o planes aceptados",
        "billing_question": "tenía una pregunta de facturación",
        "provider_question": "preguntó por un proveedor",
        "prescription_question": "preguntó por una receta",
        "emergency": "describió una emergencia",
        "wrong_number": "llamó por error",
        "other": "tenía una solicitud que el agente no pudo clasificar",
    },
}
_ENDED = {
    "en": {
        "booked": "The agent booked the appointment.",
        "rescheduled": "The agent moved the appointment.",
        "cancelled": "The agent cancelled the appointment.",
        "transferred": "The conversation was handed to staff.",
        "answered": "The agent answered the question.",
        "refused": "The agent declined the request.",
        "emergency": "The caller was told to hang up and call 911.",
        "abandoned": "The caller left before it was resolved.",
    },
    "es": {
        "booked": "El agente agendó la cita.",
        "rescheduled": "El agente cambió la cita.",
        "cancelled": "El agente canceló la cita.",
        "transferred": "La conversación pasó al personal.",
        "answered": "El agente respondió la pregunta.",
        "refused": "El agente no pudo atender la solicitud.",
        "emergency": "Se le indicó colgar y llamar al 911.",
        "abandoned": "La persona se fue antes de resolverlo.",
    },
}


def summarize(facts: ConversationFacts, intent: Intent, escalation_reason: str | None) -> str:
    lang = facts.practice_language if facts.practice_language in _ASKED else "en"
    channel = _CHANNEL[lang].get(facts.channel, facts.channel)
    spoken = _LANGUAGE[lang].get(facts.language, facts.language)
    if lang == "es":
        first = f"{channel.capitalize()} en {spoken}: la persona {_ASKED[lang][intent]}."
    else:
        first = f"{channel.capitalize()} in {spoken}: the caller {_ASKED[lang][intent]}."
    second = _ENDED[lang].get(facts.outcome or "abandoned", _ENDED[lang]["abandoned"])
    sentences = [first, second]
    if escalation_reason and facts.outcome not in {"transferred", "emergency"}:
        follow = "Revisar: " if lang == "es" else "Needs a look: "
        sentences.append(f"{follow}{escalation_reason}.")
    return " ".join(sentences)
