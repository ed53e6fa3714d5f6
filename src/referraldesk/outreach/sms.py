"""The one outbound SMS client: Twilio's REST API, with its test seam.

`TwilioSms` wraps `twilio.rest.Client`; tests hand it a `twilio.http.HttpClient`
that answers in memory, so no test reaches the network. Without credentials
(`REFERRALDESK_TWILIO_ACCOUNT_SID` and `_AUTH_TOKEN`) nothing is sent: each attempt
is recorded as skipped with reason "no_twilio_credentials", which the worklist shows.

Failures are classified where they happen: Twilio's 4xx answers (an unsubscribed
or invalid number, error 21610 / 21211) are permanent for that message; a 5xx or a
broken connection is transient and the next round tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

NO_CREDENTIALS = "no_twilio_credentials"
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class SmsResult:
    """What became of one text: `status` sent | failed | skipped."""

    status: str
    reason: str | None = None
    external_id: str | None = None
    transient: bool = False


class SmsSender(Protocol):
    def send(self, to: str, from_: str, body: str) -> SmsResult:
        """Send `body` to `to` (E.164) from the practice number `from_` (E.164)."""
        ...


class TwilioSms:
    """Texts through Twilio's Messages API; `http_client` replaces the transport in tests."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        http_client: HttpClient | None = None,
        status_callback: str | None = None,
    ) -> None:
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._status_callback = status_callback

    def send(self, to: str, from_: str, body: str) -> SmsResult:
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=to, from_=from_, body=body, **extra)
        except TwilioRestException as exc:
            transient = exc.status >= 500
            log.warning("sms_send_failed", twilio_code=exc.code, http_status=exc.status)
            return SmsResult(
                "failed", f"twilio_error:{exc.code or exc.status}", transient=transient
            )
        except (TwilioException, OSError) as exc:
            log.warning("sms_send_failed", error=type(exc).__name__)
            return SmsResult("failed", f"twilio_unreachable:{type(exc).__name__}", transient=True)
        return SmsResult("sent", None, message.sid)


class NoCredentials:
    """Stands in for Twilio when it is not configured: every text is skipped, not lost."""

    def send(self, to: str, from_: str, body: str) -> SmsResult:
        return SmsResult("skipped", NO_CREDENTIALS)


def twilio_credentials() -> tuple[str, str] | None:
    """The account SID and auth token when both are set, else None."""
    settings = get_settings()
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    if not settings.twilio_account_sid or not token:
        return None
    return settings.twilio_account_sid, token


def twilio_configured() -> bool:
    """Whether outreach can reach anyone at all."""
    return twilio_credentials() is not None


def sms_sender(http_client: HttpClient | None = None) -> SmsSender:
    """The configured sender: Twilio when both credentials are set, else `NoCredentials`."""
    credentials = twilio_credentials()
    if credentials is None:
        return NoCredentials()
    return TwilioSms(*credentials, http_client=http_client)
