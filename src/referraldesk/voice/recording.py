"""Call recording: started once the caller has heard the notice, kept by its ids.

A practice with `record_calls` says so first (`calls.greeting`); the recording starts
when the caller's first answer comes in, so the notice has been heard and nothing
before the consent is recorded. It is started with Twilio's REST API (Call
Recordings), which works on both transports: ConversationRelay's TwiML has no verb
for it. Twilio then posts the recording status webhook, and the conversation keeps
the RecordingSid and its URL, which name only the account and the recording.

A recording that cannot be started does not stop the call: it is logged by ids.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from twilio.http import HttpClient

from referraldesk.channels.twilio_signature import Fields, first
from referraldesk.errors import DomainError, InvalidArgument
from referraldesk.logging import get_logger
from referraldesk.models import Conversation
from referraldesk.voice import calls, urls

log = get_logger(__name__)

# Twilio's API hosts (api.twilio.com, and regional ones such as api.dublin.ie1.twilio.com).
TWILIO_HOST_SUFFIX = ".twilio.com"

# The test seam: an HttpClient every recording request goes through (None: the network).
_http_client: HttpClient | None = None


def use_http_client(client: HttpClient | None) -> None:
    """Send recording requests through `client` (tests); None restores the network."""
    global _http_client
    _http_client = client


def current_http_client() -> HttpClient | None:
    """The client recording requests go through (None: the network); erasure shares it."""
    return _http_client


def start_if_disclosed(session: Session, conversation: Conversation) -> str | None:
    """Start recording a call whose caller has heard the notice; returns the RecordingSid.

    Does nothing (None) when the line is not recorded, the recording already started,
    or Twilio refused; only the last is logged.
    """
    if not conversation.recording_disclosed or conversation.recording_sid:
        return None
    # Imported here: outbound imports the call handlers, which import this module.
    from referraldesk.voice.outbound import TwilioVoice

    try:
        client = TwilioVoice.from_settings(http_client=_http_client)
        sid = client.start_recording(
            call_sid=conversation.external_id or "", status_url=urls.public(urls.RECORDING)
        )
    except DomainError as exc:
        log.warning(
            "recording_not_started", conversation_id=conversation.id, error=type(exc).__name__
        )
        return None
    conversation.recording_sid = sid
    session.flush()
    log.info("recording_started", conversation_id=conversation.id, recording_sid=sid)
    return sid


def status_changed(session: Session, fields: Fields) -> None:
    """POST /twilio/voice/recording: a finished recording is kept on its conversation."""
    conversation = calls.require_call(session, first(fields, "CallSid"))
    status = first(fields, "RecordingStatus")
    if status != "completed":
        log.warning("recording_missing", conversation_id=conversation.id, status=status)
        return
    sid = first(fields, "RecordingSid")
    conversation.recording_sid = sid
    conversation.recording_url = recording_url(first(fields, "RecordingUrl"), sid)
    session.flush()
    log.info("recording_kept", conversation_id=conversation.id, recording_sid=sid)


def recording_url(url: str, sid: str) -> str:
    """`url` when it is Twilio's address of recording `sid`; InvalidArgument otherwise.

    Only Twilio's own address is kept, so the dashboard never links anywhere else.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    is_twilio = parts.scheme == "https" and (
        host == TWILIO_HOST_SUFFIX[1:] or host.endswith(TWILIO_HOST_SUFFIX)
    )
    if not sid or not is_twilio or parts.path.rsplit("/", 1)[-1] != sid or parts.query:
        raise InvalidArgument(
            "RecordingUrl must be Twilio's https address of the recording named by "
            "RecordingSid, with no query",
            field="RecordingUrl",
        )
    return url
