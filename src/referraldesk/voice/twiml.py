"""TwiML the phone channel answers with, built with the twilio library's classes.

Only documented verbs and attributes are used (tests/voice check every response
against an allow-list): <Gather> with <Say> for turn-based calls,
<Connect><ConversationRelay> with one <Language> per spoken language for streaming,
<Dial><Number url=whisper> for transfers, <Say> and <Hangup> to finish.
https://www.twilio.com/docs/voice/twiml

Each language is spoken by its own voice and heard by a recognizer set to it: a
<Gather> listens in the conversation's language (`language="es-MX"` once it is
Spanish), and an aside in the other language ("Para español, oprima el 2.") is its
own <Say> with that language's voice, never read by the English one.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import Connect, Dial, Gather, VoiceResponse

from referraldesk.voice.hints import Listening

# Seconds the staff line rings before the transfer counts as not answered.
DIAL_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Voice:
    """How one language is spoken and heard: the <Say> voice, ConversationRelay's voice
    and the speech-to-text provider its <Language> names (Twilio's documented values)."""

    code: str  # BCP 47, as Gather, Say and ConversationRelay take it
    say_voice: str
    relay_provider: str
    relay_voice: str
    transcription_provider: str = "Google"


VOICES = {
    "en": Voice("en-US", "Polly.Joanna-Neural", "Amazon", "Joanna-Neural"),
    "es": Voice("es-MX", "Polly.Mia-Neural", "Amazon", "Mia-Neural"),
}


@dataclass(frozen=True)
class Aside:
    """A sentence in another language than the turn's, said by that language's voice."""

    text: str
    language: str


def voice_for(language: str) -> Voice:
    return VOICES["es" if language == "es" else "en"]


def gather(
    spoken: str, language: str, *, action: str, listening: Listening, aside: Aside | None = None
) -> str:
    """Say `spoken` (then `aside`) and listen for speech or keys in `language`; an empty
    result still posts `action`."""
    voice = voice_for(language)
    response = VoiceResponse()
    ask = Gather(
        input="speech dtmf",
        action=action,
        method="POST",
        language=voice.code,
        speech_timeout="auto",
        timeout=listening.timeout_seconds,
        num_digits=listening.num_digits,
        finish_on_key=listening.finish_on_key,
        hints=listening.speech_hints,
        action_on_empty_result=True,
    )
    ask.say(spoken, voice=voice.say_voice, language=voice.code)
    if aside is not None:
        other = voice_for(aside.language)
        ask.say(aside.text, voice=other.say_voice, language=other.code)
    response.append(ask)
    return str(response)


def relay(greeting: str, language: str, *, url: str, action: str, hints: str | None) -> str:
    """Hand the call to ConversationRelay, greeting first; `action` gets the call back.

    The session starts in `language` (speech and transcription); the relay switches
    both with a `language` message when the conversation changes language.
    """
    voice = voice_for(language)
    response = VoiceResponse()
    connect = Connect(action=action, method="POST")
    session = connect.conversation_relay(
        url=url,
        language=voice.code,
        welcome_greeting=greeting,
        welcome_greeting_interruptible="any",
        interruptible="any",
        dtmf_detection=True,
        hints=hints,
    )
    for each in VOICES.values():
        session.language(
            code=each.code,
            tts_provider=each.relay_provider,
            voice=each.relay_voice,
            transcription_provider=each.transcription_provider,
        )
    response.append(connect)
    return str(response)


def dial(spoken: str | None, language: str, *, number: str, whisper: str, action: str) -> str:
    """Say `spoken`, then ring `number`; staff hear `whisper` first, `action` gets the result."""
    response = VoiceResponse()
    if spoken:
        _say(response, spoken, language)
    call = Dial(action=action, method="POST", timeout=DIAL_TIMEOUT_SECONDS)
    call.number(number, url=whisper, method="POST")
    response.append(call)
    return str(response)


def say_and_hang_up(spoken: str, language: str) -> str:
    response = VoiceResponse()
    if spoken:
        _say(response, spoken, language)
    response.hangup()
    return str(response)


def whisper(spoken: str) -> str:
    """What the staff member hears before the caller is connected (English)."""
    response = VoiceResponse()
    _say(response, spoken, "en")
    return str(response)


def _say(response: VoiceResponse, spoken: str, language: str) -> None:
    voice = voice_for(language)
    response.say(spoken, voice=voice.say_voice, language=voice.code)
