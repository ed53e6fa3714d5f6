"""What can go wrong talking to a chat-completions endpoint, classified where it happens.

Every failure is an `LLMError`, itself `referraldesk.errors.Unavailable`, so a caller
that only knows the domain tree still sees "a system we depend on did not answer".
`retryable` separates transient failures (a timeout, a 429, a 5xx: the same request may
work later) from permanent ones (a 4xx, a missing setting, a body that is not a chat
completion: only a different request or a person can fix it).
"""

from __future__ import annotations

from referraldesk.errors import Unavailable


class LLMError(Unavailable):
    """The LLM endpoint did not give a usable answer; `status` is the HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1):
        super().__init__(message)
        self.status = status
        self.attempts = attempts


class LLMTransientError(LLMError):
    """The endpoint failed in a way that may pass: connection, 429, 5xx."""

    retryable = True


class LLMTimeout(LLMTransientError):
    """No answer inside the time this call was given."""


class LLMUnreachable(LLMTransientError):
    """No connection was made, so nothing reached the model: always safe to repeat."""


class LLMRateLimited(LLMTransientError):
    """The endpoint answered 429; `retry_after` is its Retry-After in seconds, if it sent one."""

    def __init__(self, message: str, *, retry_after: float | None = None, attempts: int = 1):
        super().__init__(message, status=429, attempts=attempts)
        self.retry_after = retry_after


class LLMPermanentError(LLMError):
    """The endpoint refused the request (a 4xx other than 429): retrying cannot help."""

    retryable = False


class LLMNotConfigured(LLMPermanentError):
    """REFERRALDESK_LLM_BASE_URL is not set."""


class LLMMalformedResponse(LLMPermanentError):
    """The body was not the chat completion (or the JSON document) that was asked for."""
