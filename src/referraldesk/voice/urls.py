"""The absolute URLs Twilio is told to call back: the public URL, a path, a query of ids.

Twilio signs the URL exactly as we wrote it, and the signature check rebuilds it from
REFERRALDESK_PUBLIC_URL, the path and the raw query; so every callback URL is built
here, once. Queries carry opaque ids and counters only, never patient data; the
relay's URL also carries its call's token (`relay_token`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from referraldesk.channels.twilio_signature import websocket_base
from referraldesk.settings import get_settings
from referraldesk.voice.relay_token import token_for

VOICE = "/twilio/voice"
TURN = "/twilio/voice/turn"
STATUS = "/twilio/voice/status"
RELAY = "/twilio/voice/relay"
RELAY_DONE = "/twilio/voice/relay/done"
TRANSFER_DONE = "/twilio/voice/transfer"
WHISPER = "/twilio/voice/whisper"
FORWARD_DONE = "/twilio/voice/forward"
OUTBOUND = "/twilio/voice/outbound"
RECORDING = "/twilio/voice/recording"


def public(path: str, **query: str | int | None) -> str:
    """`path` on the public URL, with the non-empty query values in the order given."""
    base = get_settings().public_url.rstrip("/") + path
    kept = {key: str(value) for key, value in query.items() if value is not None}
    return f"{base}?{urlencode(kept)}" if kept else base


def websocket(path: str, **query: str) -> str:
    """`path` on the public URL as a WebSocket URL (wss:// behind TLS), with `query`."""
    base = websocket_base(get_settings().public_url) + path
    return f"{base}?{urlencode(query)}" if query else base


def relay(call_sid: str) -> str:
    """The ConversationRelay URL of one call: it names the call and carries its token."""
    return websocket(RELAY, call=call_sid, token=token_for(call_sid))
