"""The seam through which outreach places automatic calls.

The voice channel owns calls: `referraldesk.voice.outbound` rings the patient through
Twilio, and its answer webhook opens the outbound conversation (referral id set) when
a person picks up, or leaves a voicemail naming only the practice. Outreach asks for
the call and records what became of the request. Without Twilio credentials every
call is recorded as skipped with reason "no_twilio_credentials".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import DomainError, Unavailable
from referraldesk.logging import get_logger

if TYPE_CHECKING:
    from referraldesk.voice.outbound import TwilioVoice

log = get_logger(__name__)

NO_VOICE_CHANNEL = "no_voice_channel"
NO_CREDENTIALS = "no_twilio_credentials"
ACTOR = Actor(name="system:outreach", role="system")


@dataclass(frozen=True)
class CallResult:
    """`status` queued | answered | voicemail | failed | skipped; `conversation_id` when one
    was opened for the call."""

    status: str
    reason: str | None = None
    external_id: str | None = None
    conversation_id: str | None = None
    transient: bool = False


class CallPlacer(Protocol):
    def place_call(
        self, session: Session, *, to: str, from_: str, language: str, referral_id: str
    ) -> CallResult:
        """Dial `to` (E.164) from the practice number `from_` for an outbound conversation
        about `referral_id` in `language` ("en" | "es")."""
        ...


class NoVoiceChannel:
    """Stands in while calls cannot be placed: the call is skipped, not lost."""

    def __init__(self, reason: str = NO_VOICE_CHANNEL) -> None:
        self.reason = reason

    def place_call(
        self, session: Session, *, to: str, from_: str, language: str, referral_id: str
    ) -> CallResult:
        return CallResult("skipped", self.reason)


class VoiceChannelCalls:
    """Calls through the voice channel's Twilio client (`voice.outbound`)."""

    def __init__(self, voice: TwilioVoice) -> None:
        self._voice = voice

    def place_call(
        self, session: Session, *, to: str, from_: str, language: str, referral_id: str
    ) -> CallResult:
        from referraldesk.voice.outbound import call_about_referral

        try:
            sid = call_about_referral(session, self._voice, ACTOR, referral_id)
        except Unavailable:
            return CallResult("failed", "voice_unavailable", transient=True)
        except DomainError as exc:
            # Permanent for this call (a refused number, an opt-out seen by the channel).
            return CallResult("failed", f"voice_refused:{exc.code}")
        return CallResult("queued", None, external_id=sid)


def call_placer() -> CallPlacer:
    """The configured placer: the voice channel when Twilio is set up, else skipped calls."""
    from referraldesk.voice.outbound import TwilioVoice

    try:
        return VoiceChannelCalls(TwilioVoice.from_settings())
    except Unavailable:
        return NoVoiceChannel(NO_CREDENTIALS)
