"""The SMS channel's adapter: Twilio's signed webhook in, TwiML out.

Twilio signs each webhook with the account's auth token over the exact URL it
requested plus every form field. Behind a TLS-terminating proxy the app sees
"http://10.0.0.5:8000/twilio/sms" while Twilio signed
"https://clinic.example.org/twilio/sms", so the URL is rebuilt from
REFERRALDESK_PUBLIC_URL, never from the request's Host or forwarded headers; a request
whose forwarded headers name a different host is refused outright.
See https://www.twilio.com/docs/usage/webhooks/webhooks-security.

Carrier keywords: Twilio's Advanced Opt-Out answers STOP/START/HELP itself and blocks
further texts to a number that sent STOP; the webhook still arrives, and we record
the opt-out in the patient's consents at once so calls and texts from every part of
referraldesk respect it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

FORM_TYPE = "application/x-www-form-urlencoded"
CARRIER_KEYWORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "start",
        "unstop",
        "yes",
        "help",
        "info",
    }
)


@dataclass(frozen=True)
class Verdict:
    """Whether a webhook is Twilio's: `reason` names why not, for the log (never the body)."""

    ok: bool
    reason: str


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: the public base URL, the request path and its raw query."""
    url = public_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def parse_form(body: bytes) -> list[tuple[str, str]] | None:
    """Every field of a form-encoded body, repeated keys included; None if not UTF-8."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return parse_qsl(text, keep_blank_values=True)


def verify(
    *,
    auth_token: str | None,
    public_url: str,
    path: str,
    query: str,
    content_type: str,
    body: bytes,
    headers: Mapping[str, str],
) -> Verdict:
    """Check that a webhook was signed by Twilio for our public URL."""
    if not auth_token:
        return Verdict(False, "no_auth_token")
    signature = headers.get("x-twilio-signature")
    if not signature:
        return Verdict(False, "missing_signature")
    if _forwarded_elsewhere(headers, public_url):
        return Verdict(False, "forwarded_host_mismatch")
    if content_type.split(";")[0].strip().lower() != FORM_TYPE:
        return Verdict(False, "not_form_encoded")
    fields = parse_form(body)
    if fields is None:
        return Verdict(False, "undecodable_body")
    validator = RequestValidator(auth_token)
    url = signed_url(public_url, path, query)
    if not validator.validate(url, ImmutableMultiDict(fields), signature):
        return Verdict(False, "bad_signature")
    return Verdict(True, "valid")


def _forwarded_elsewhere(headers: Mapping[str, str], public_url: str) -> bool:
    public_host = (urlsplit(public_url).hostname or "").lower()
    return any(host != public_host for host in _forwarded_hosts(headers))


def _forwarded_hosts(headers: Mapping[str, str]) -> list[str]:
    claimed: list[str] = []
    for name in ("x-forwarded-host", "x-original-host"):
        value = headers.get(name)
        if value:
            claimed.extend(part.strip() for part in value.split(","))
    for element in headers.get("forwarded", "").split(","):
        for pair in element.split(";"):
            key, _, value = pair.strip().partition("=")
            if key.lower() == "host" and value:
                claimed.append(value.strip('"'))
    return [_hostname(host) for host in claimed if host]


def _hostname(host: str) -> str:
    if host.startswith("["):  # IPv6 literal, "[::1]:443"
        return host[1 : host.find("]")].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def is_carrier_keyword(body: str) -> bool:
    return body.strip().lower() in CARRIER_KEYWORDS


def twiml(messages: Sequence[str]) -> str:
    """A TwiML reply sending each non-empty text as its own message."""
    response = MessagingResponse()
    for text in messages:
        if text.strip():
            response.message(text)
    return str(response)
