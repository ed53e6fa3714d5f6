"""The TwiML allow-list: the verbs, nouns and attributes Twilio documents, and values.

Written from Twilio's TwiML reference (https://www.twilio.com/docs/voice/twiml: Say,
Gather, Dial, Number, Hangup, Connect, ConversationRelay, Language) and cross-checked
with the twilio library's TwiML classes. Only the elements the phone channel may use
are listed; anything else in a response is a problem. Callback URLs must be absolute,
https or wss, and carry only id and counter parameters (no patient data).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

ALLOWED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # element: (documented attributes, children allowed)
    "Response": (frozenset(), frozenset({"Say", "Gather", "Dial", "Hangup", "Connect"})),
    "Say": (frozenset({"voice", "loop", "language"}), frozenset()),
    "Gather": (
        frozenset(
            {
                "action",
                "method",
                "input",
                "timeout",
                "speechTimeout",
                "maxSpeechTime",
                "profanityFilter",
                "finishOnKey",
                "numDigits",
                "partialResultCallback",
                "partialResultCallbackMethod",
                "language",
                "hints",
                "bargeIn",
                "debug",
                "actionOnEmptyResult",
                "speechModel",
                "enhanced",
            }
        ),
        frozenset({"Say", "Play", "Pause"}),
    ),
    "Dial": (
        frozenset(
            {
                "action",
                "method",
                "timeout",
                "hangupOnStar",
                "timeLimit",
                "callerId",
                "record",
                "trim",
                "recordingStatusCallback",
                "recordingStatusCallbackMethod",
                "recordingStatusCallbackEvent",
                "answerOnBridge",
                "ringTone",
                "recordingTrack",
                "sequential",
            }
        ),
        frozenset({"Number"}),
    ),
    "Number": (
        frozenset(
            {
                "sendDigits",
                "url",
                "method",
                "statusCallbackEvent",
                "statusCallback",
                "statusCallbackMethod",
                "byoc",
            }
        ),
        frozenset(),
    ),
    "Hangup": (frozenset(), frozenset()),
    "Connect": (frozenset({"action", "method"}), frozenset({"ConversationRelay"})),
    "ConversationRelay": (
        frozenset(
            {
                "url",
                "welcomeGreeting",
                "welcomeGreetingInterruptible",
                "language",
                "ttsLanguage",
                "ttsProvider",
                "voice",
                "transcriptionLanguage",
                "transcriptionProvider",
                "speechModel",
                "interruptible",
                "interruptSensitivity",
                "dtmfDetection",
                "reportInputDuringAgentSpeech",
                "preemptible",
                "hints",
                "debug",
                "intelligenceService",
                "partialPrompts",
            }
        ),
        frozenset({"Language", "Parameter"}),
    ),
    "Language": (
        frozenset({"code", "ttsProvider", "voice", "transcriptionProvider", "speechModel"}),
        frozenset(),
    ),
}

VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("Gather", "input"): frozenset({"dtmf", "speech", "dtmf speech", "speech dtmf"}),
    ("Gather", "method"): frozenset({"GET", "POST"}),
    ("Gather", "actionOnEmptyResult"): frozenset({"true", "false"}),
    ("Dial", "method"): frozenset({"GET", "POST"}),
    ("Number", "method"): frozenset({"GET", "POST"}),
    ("Connect", "method"): frozenset({"GET", "POST"}),
    ("ConversationRelay", "interruptible"): frozenset({"none", "dtmf", "speech", "any"}),
    ("ConversationRelay", "welcomeGreetingInterruptible"): frozenset(
        {"none", "dtmf", "speech", "any"}
    ),
    ("ConversationRelay", "dtmfDetection"): frozenset({"true", "false"}),
    # The providers Twilio documents for a <Language>'s speech and transcription.
    ("Language", "ttsProvider"): frozenset({"Amazon", "Google", "ElevenLabs"}),
    ("Language", "transcriptionProvider"): frozenset({"Google", "Deepgram"}),
}
URL_ATTRIBUTES = frozenset({"action", "url"})
# The only query parameters our callback URLs may carry: ids and counters, and the
# relay URL's CallSid and its HMAC token (voice/relay_token.py).
SAFE_QUERY_KEYS = frozenset({"n", "q", "task", "referral", "transport", "call", "token"})
LANGUAGE_CODES = frozenset({"en-US", "es-MX"})


def twiml_problems(document: str) -> list[str]:
    """Every way `document` strays from the allow-list; empty when it keeps to it."""
    root = ET.fromstring(document)
    if root.tag != "Response":
        return [f"the root is <{root.tag}>, not <Response>"]
    problems: list[str] = []
    _check(root, problems)
    return problems


def _check(element: ET.Element, problems: list[str]) -> None:
    attributes, children = ALLOWED[element.tag]
    for name, value in element.attrib.items():
        if name not in attributes:
            problems.append(f"<{element.tag}> has undocumented attribute {name!r}")
        allowed = VALUES.get((element.tag, name))
        if allowed is not None and value not in allowed:
            problems.append(f"<{element.tag} {name}={value!r}> is not one of {sorted(allowed)}")
        if name in URL_ATTRIBUTES:
            problems.extend(_url_problems(element.tag, value))
        if name in ("language", "code") and element.tag != "Say" and value not in LANGUAGE_CODES:
            problems.append(f"<{element.tag} {name}={value!r}> is not a language we speak")
    if element.tag == "Number" and not (element.text or "").startswith("+"):
        problems.append("<Number> must hold an E.164 number")
    for child in element:
        if child.tag not in ALLOWED or child.tag not in children:
            problems.append(f"<{child.tag}> may not be inside <{element.tag}>")
            continue
        _check(child, problems)


def _url_problems(tag: str, url: str) -> list[str]:
    parts = urlsplit(url)
    problems = []
    if parts.scheme not in ("https", "wss"):
        problems.append(f"<{tag}> URL {url!r} is not absolute https/wss")
    unsafe = {key for key, _ in parse_qsl(parts.query)} - SAFE_QUERY_KEYS
    if unsafe:
        problems.append(f"<{tag}> URL carries parameters {sorted(unsafe)}")
    return problems
