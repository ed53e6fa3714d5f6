"""The LLM brain's system prompt, one file per language (`prompts/en.md`, `prompts/es.md`).

The prompt is rendered fresh on every model call rather than kept in the history, so
a language switch, a verification or the passing of time shows up at the next step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from referraldesk.conversation.brain import TurnContext

LANGUAGES = ("en", "es")
_HERE = Path(__file__).parent / "prompts"

_CHANNELS = {
    "en": {"voice": "phone", "sms": "text message", "chat": "web chat", "terminal": "chat"},
    "es": {"voice": "teléfono", "sms": "mensaje de texto", "chat": "chat web", "terminal": "chat"},
}
_VERIFICATION = {
    "en": (
        "The caller is not verified yet.",
        "The caller is verified: patient tools act on their record only.",
    ),
    "es": (
        "Quien llama todavía no está verificado.",
        "Quien llama ya está verificado: las herramientas del paciente actúan solo "
        "sobre su expediente.",
    ),
}
_OPENING = {
    ("en", "inbound"): (
        "If the caller has said nothing yet, greet them: name the practice, say you are its "
        "automated assistant, ask how you can help, and mention they may speak Spanish."
    ),
    ("en", "outbound"): (
        "You placed this call about a referral the patient's doctor sent. Say who you are "
        "and ask to speak with the patient; say nothing about the referral until "
        "lookup_patient has verified them."
    ),
    ("es", "inbound"): (
        "Si la persona todavía no ha dicho nada, salúdala: di el nombre del consultorio, "
        "que eres su asistente automático, pregunta en qué puedes ayudar y menciona que "
        "también puede hablar en inglés."
    ),
    ("es", "outbound"): (
        "Tú hiciste esta llamada por una referencia que mandó el médico del paciente. Di "
        "quién eres y pide hablar con el paciente; no digas nada de la referencia hasta que "
        "lookup_patient lo haya verificado."
    ),
}
# Weekday names by number, not strftime's %A, which follows the process locale.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@cache
def _template(language: str) -> Template:
    return Template((_HERE / f"{language}.md").read_text(encoding="utf-8"))


def system_prompt(ctx: TurnContext, verified: bool) -> str:
    """The system prompt in the conversation's language; English for any other."""
    language = ctx.language if ctx.language in LANGUAGES else "en"
    local = ctx.now.astimezone(ZoneInfo(ctx.practice_timezone))
    return _template(language).substitute(
        practice_name=ctx.practice_name,
        channel=_CHANNELS[language].get(ctx.channel, ctx.channel),
        opening=_OPENING[language, "outbound" if ctx.direction == "outbound" else "inbound"],
        local_now=f"{_WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M}",
        timezone=ctx.practice_timezone,
        verification=_VERIFICATION[language][verified],
    )
