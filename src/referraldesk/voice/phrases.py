"""What the phone channel says on its own, in English and Spanish.

Everything else a caller hears is the engine's reply. These lines are the phone's:
the recording notice, the key menu, reprompts on silence, the closed-office and
failed-transfer messages, the staff whisper, the voicemail and the opening of a
callback. None of them carries anything about a patient; the voicemail and the
callback's opening name only the practice (and its number).
"""

from __future__ import annotations

LINES: dict[str, dict[str, str]] = {
    "recording": {
        "en": "This call is recorded. By staying on the line you agree to the recording.",
        "es": "Esta llamada se graba. Si sigue en la línea, acepta la grabación.",
    },
    "language_keys": {
        "en": "Para español, oprima el 2.",
        "es": "For English, press 1.",
    },
    "silence": {
        "en": "Sorry, I didn't hear anything.",
        "es": "Disculpe, no le escuché.",
    },
    "offer_person": {
        "en": "I still can't hear you. To talk with a person, press 0, "
        "or stay on the line and I'll connect you.",
        "es": "Sigo sin escucharle. Para hablar con una persona, oprima el 0, "
        "o quédese en la línea y le comunico.",
    },
    "connecting": {
        "en": "I'll connect you with a member of our staff now.",
        "es": "Le comunico ahora con un miembro de nuestro personal.",
    },
    "dob_keys": {
        "en": "You can also key it in: two digits for the month, two for the day "
        "and four for the year.",
        "es": "También puede marcarla: dos dígitos para el mes, dos para el día "
        "y cuatro para el año.",
    },
    "phone_keys": {
        "en": "You can also key in the ten digits.",
        "es": "También puede marcar los diez dígitos.",
    },
    "choice_keys": {
        "en": "You can also press the number of your choice.",
        "es": "También puede oprimir el número de su opción.",
    },
    "heard_dob": {"en": "I have {value}.", "es": "Anoté el {value}."},
    "heard_phone": {"en": "I have {value}.", "es": "Anoté el {value}."},
    "closed_callback": {
        "en": "Our office is closed right now, so I've asked our staff to call you back "
        "at the number you're calling from. Goodbye.",
        "es": "La oficina está cerrada en este momento; le pedí a nuestro personal que le "
        "devuelva la llamada al número desde el que llama. Hasta luego.",
    },
    "closed_no_number": {
        "en": "Our office is closed right now. Please call us back during office hours. Goodbye.",
        "es": "La oficina está cerrada en este momento. Por favor llámenos en horario de "
        "oficina. Hasta luego.",
    },
    "dial_failed": {
        "en": "I'm sorry, no one could take your call just now. I've asked our staff to "
        "call you back as soon as they can. Goodbye.",
        "es": "Lo siento, nadie pudo atender su llamada en este momento. Le pedí a nuestro "
        "personal que le devuelva la llamada lo antes posible. Hasta luego.",
    },
    "trouble": {
        "en": "I'm sorry, I'm having trouble on my side. Please call us back. Goodbye.",
        "es": "Disculpe, tengo un problema de mi lado. Por favor vuelva a llamar. Hasta luego.",
    },
    "voicemail": {
        "en": "Hello, this is {practice}. Please call us back at {phone}. Thank you.",
        "es": "Hola, le llamamos de {practice}. Por favor devuélvanos la llamada al {phone}. "
        "Gracias.",
    },
    "callback_hold": {
        "en": "Hello, this is {practice}, returning your call. Please hold while I connect "
        "you with our staff.",
        "es": "Hola, le llamamos de {practice} para devolverle la llamada. Por favor espere "
        "mientras le comunico con nuestro personal.",
    },
    "voicemail_no_phone": {
        "en": "Hello, this is {practice}. Please call us back at this number. Thank you.",
        "es": "Hola, le llamamos de {practice}. Por favor devuélvanos la llamada a este "
        "número. Gracias.",
    },
}

# Staff hear the whisper before they are connected; the front desk works in English.
WHISPER = "Call from the front desk agent. Reason: {reason}. Connecting now."
FORWARD_WHISPER = "Incoming call for the front desk. Connecting now."

KEY_WORDS: dict[str, dict[str, str]] = {
    "spanish": {"en": "en español, por favor", "es": "en español, por favor"},
    "english": {"en": "in English, please", "es": "in English, please"},
    "person": {"en": "I want to talk to a person", "es": "quiero hablar con una persona"},
    "yes": {"en": "yes", "es": "sí"},
    "no": {"en": "no", "es": "no"},
}


def line(key: str, language: str, **params: str) -> str:
    """The phone's line `key` in `language` ("es", else English), with its params."""
    text = LINES[key]["es" if language == "es" else "en"]
    return text.format(**params) if params else text


def key_words(key: str, language: str) -> str:
    """What a key press stands for, in words the engine understands."""
    return KEY_WORDS[key]["es" if language == "es" else "en"]


def spoken_digits(e164: str) -> str:
    """A US number read digit by digit in groups: "5 5 9, 5 5 5, 0 1 2 4"."""
    digits = [ch for ch in e164 if ch.isdigit()]
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return " ".join(digits)
    groups = (digits[:3], digits[3:6], digits[6:])
    return ", ".join(" ".join(group) for group in groups)
