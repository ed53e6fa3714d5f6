"""X-Twilio-Signature for every Twilio door: form webhooks and the WebSocket handshake.

The rule itself lives in `channels.sms.verify` (the URL rebuilt from
REFERRALDESK_PUBLIC_URL plus the raw query string, every form field with repeated
keys, forwarded hosts that name another host refused; inputs.md row W1). This module
applies it to a FastAPI request or WebSocket, refuses with one log line naming the
reason (never the body), and signs requests exactly as Twilio does for the
simulated phone.

ConversationRelay signs its WebSocket handshake the same way over the `wss://` URL
it was given and no parameters:
https://www.twilio.com/docs/voice/conversationrelay/onboarding
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import Request, WebSocket
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from referraldesk.channels import sms
from referraldesk.errors import Forbidden
from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

HEADER = "x-twilio-signature"
_FIX = {
    "no_auth_token": "set REFERRALDESK_TWILIO_AUTH_TOKEN to the Twilio account's auth token",
    "forwarded_host_mismatch": "the proxy's forwarded host must match REFERRALDESK_PUBLIC_URL",
    "bad_signature": "REFERRALDESK_PUBLIC_URL must be the URL Twilio calls "
    "(scheme, host, any path prefix)",
}

Fields = list[tuple[str, str]]


def websocket_base(public_url: str) -> str:
    """The public URL with the WebSocket scheme Twilio connects with (wss for https)."""
    base = public_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://")
    if base.startswith("http://"):
        return "ws://" + base.removeprefix("http://")
    return base


async def signed_form(request: Request) -> Fields:
    """Every field of a Twilio webhook whose signature holds; Forbidden otherwise."""
    body = await request.body()
    settings = get_settings()
    verdict = sms.verify(
        auth_token=_token(),
        public_url=settings.public_url,
        path=request.url.path,
        query=_raw_query(request.scope),
        content_type=request.headers.get("content-type", ""),
        body=body,
        headers=request.headers,
    )
    if not verdict.ok:
        _refused(request.url.path, verdict.reason)
        raise Forbidden("this webhook is accepted only with a valid Twilio signature")
    return sms.parse_form(body) or []


def handshake_is_signed(websocket: WebSocket) -> bool:
    """Whether a WebSocket handshake carries Twilio's signature for our public wss URL."""
    # The handshake has no body: it is checked as an empty form, the way Twilio signs it.
    verdict = sms.verify(
        auth_token=_token(),
        public_url=websocket_base(get_settings().public_url),
        path=websocket.url.path,
        query=_raw_query(websocket.scope),
        content_type=sms.FORM_TYPE,
        body=b"",
        headers=websocket.headers,
    )
    if not verdict.ok:
        _refused(websocket.url.path, verdict.reason)
    return verdict.ok


def sign(auth_token: str, url: str, fields: Sequence[tuple[str, str]] = ()) -> str:
    """The X-Twilio-Signature Twilio would send for `url` and these form fields."""
    return str(RequestValidator(auth_token).compute_signature(url, ImmutableMultiDict(fields)))


def first(fields: Fields, name: str, default: str = "") -> str:
    """The first value of form field `name`."""
    return next((value for key, value in fields if key == name), default)


def _token() -> str | None:
    token = get_settings().twilio_auth_token
    return token.get_secret_value() if token else None


def _raw_query(scope: Mapping[str, object]) -> str:
    # The query exactly as sent: Twilio signed its own encoding, not a re-encoded one.
    raw = scope.get("query_string", b"")
    return raw.decode("latin-1") if isinstance(raw, bytes) else ""


def _refused(path: str, reason: str) -> None:
    log.warning("twilio_webhook_refused", path=path, reason=reason, fix=_FIX.get(reason))
