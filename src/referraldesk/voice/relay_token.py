"""The ConversationRelay WebSocket URL is made for one call and opens for that call only.

Twilio signs the handshake over the URL it was given, and the URL of every call used
to be the same: one leaked X-Twilio-Signature header opened sockets for any call. So
the URL names its call (`call`, the CallSid) and carries `token`, an HMAC of the
CallSid under a key derived from the app's secret (REFERRALDESK_SESSION_SECRET). The
handshake needs Twilio's signature over that URL and a token made for that CallSid;
the relay then serves only the call its URL names. Neither value carries patient data.
"""

from __future__ import annotations

import hmac

from referraldesk.calendar_feeds.signing import mac

# The derived key's purpose: a relay token signs nothing else.
PURPOSE = "voice-relay"
TOKEN_CHARS = 32


def token_for(call_sid: str) -> str:
    """The token of call `call_sid`'s relay URL."""
    return mac(PURPOSE, call_sid, TOKEN_CHARS)


def token_matches(call_sid: str, token: str) -> bool:
    """Whether `token` was made for `call_sid` (constant time; empty values never match)."""
    if not call_sid or not token:
        return False
    return hmac.compare_digest(token_for(call_sid), token)
