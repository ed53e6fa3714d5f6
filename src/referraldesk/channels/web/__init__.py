"""The web chat page a practice links from its site: one template, one script, one stylesheet.

Everything is served from this package (no CDN, no framework), so the page's
Content-Security-Policy can allow only its own origin.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape

STATIC_FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}

# Page strings; the agent's own words come from the conversation.
PAGE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Chat with {practice}",
        "heading": "Chat with our front desk",
        "intro": "Book or change an appointment, or ask about hours and insurance. "
        "In an emergency, call 911.",
        "label": "Your message",
        "placeholder": "Type your message",
        "send": "Send",
        "restart": "Start over",
        "switch": "Español",
        "ended": "This chat has ended. Start over to chat again.",
        "transfer": "A member of our staff will follow up with you.",
        "error": "Something went wrong. Please try again, or call us.",
        "you": "You",
        "agent": "Front desk",
    },
    "es": {
        "title": "Chat con {practice}",
        "heading": "Chat con nuestra recepción",
        "intro": "Haga o cambie una cita, o pregunte por horarios y seguros. "
        "En una emergencia, llame al 911.",
        "label": "Su mensaje",
        "placeholder": "Escriba su mensaje",
        "send": "Enviar",
        "restart": "Empezar de nuevo",
        "switch": "English",
        "ended": "Este chat terminó. Empiece de nuevo para volver a escribir.",
        "transfer": "Alguien de nuestro personal se comunicará con usted.",
        "error": "Algo salió mal. Intente otra vez, o llámenos.",
        "you": "Usted",
        "agent": "Recepción",
    },
}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("referraldesk.channels.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(language: str, practice_name: str) -> str:
    """The chat page in `language` ("en" or "es") for the named practice."""
    text = PAGE_TEXT[language]
    return (
        environment()
        .get_template("chat.html")
        .render(
            lang=language,
            other_lang="es" if language == "en" else "en",
            text=text,
            title=text["title"].format(practice=practice_name),
            practice_name=practice_name,
            strings=PAGE_TEXT,
        )
    )


def static_file(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of a shipped asset, or None for any other name."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        return None
    data = resources.files("referraldesk.channels.web").joinpath("static", name).read_bytes()
    return data, media_type
