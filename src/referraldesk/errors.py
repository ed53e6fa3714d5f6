"""One error tree for the whole product.

Services raise `DomainError` subclasses; the tool catalog turns them into its error
contract and the HTTP layer into `{"error": {...}}` with a 4xx status, each in one
place. `retryable` says whether the same call may succeed later (a transient
failure) or only a different call can help (a permanent one).
"""

from __future__ import annotations

from typing import ClassVar

ERROR_CODES = (
    "not_found",
    "ambiguous",
    "not_verified",
    "slot_taken",
    "out_of_network",
    "invalid_argument",
    "outside_hours",
    "illegal_transition",
    "duplicate",
    "conflict",
    "forbidden",
    "unauthenticated",
    "rate_limited",
    "unavailable",
    "opted_out",
    "internal",
)

HTTP_STATUS = {
    "not_found": 404,
    "ambiguous": 409,
    "not_verified": 403,
    "slot_taken": 409,
    "out_of_network": 422,
    "invalid_argument": 422,
    "outside_hours": 422,
    "illegal_transition": 409,
    "duplicate": 409,
    "conflict": 409,
    "forbidden": 403,
    "unauthenticated": 401,
    "rate_limited": 429,
    "unavailable": 503,
    "opted_out": 409,
    # A bug on our side, never bad input: the only 5xx a caller can see.
    "internal": 500,
}


class DomainError(Exception):
    code: ClassVar[str] = "invalid_argument"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.hint:
            body["hint"] = self.hint
        return body


class NotFound(DomainError):
    code = "not_found"


class Ambiguous(DomainError):
    code = "ambiguous"


class NotVerified(DomainError):
    code = "not_verified"


class SlotTaken(DomainError):
    code = "slot_taken"
    # Another slot can work; the same one will not.
    retryable = False


class OutOfNetwork(DomainError):
    code = "out_of_network"


class InvalidArgument(DomainError):
    code = "invalid_argument"


class OutsideHours(DomainError):
    code = "outside_hours"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class Duplicate(DomainError):
    code = "duplicate"


class Conflict(DomainError):
    code = "conflict"
    retryable = True


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


# The wait a 429 names (HTTP Retry-After, in seconds) when the refusal does not know
# when its limit's window ends.
DEFAULT_RETRY_AFTER_SECONDS = 60


class RateLimited(DomainError):
    code = "rate_limited"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        retry_after_seconds: int = DEFAULT_RETRY_AFTER_SECONDS,
    ):
        super().__init__(message, field=field, hint=hint)
        # At least a second: "Retry-After: 0" would invite the client straight back.
        self.retry_after_seconds = max(1, int(retry_after_seconds))


def retry_after_headers(status: int, exc: DomainError | None = None) -> dict[str, str]:
    """The Retry-After header (seconds) a 429 answer carries; none for other statuses."""
    if status != 429:
        return {}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after_seconds)}
    return {"Retry-After": str(DEFAULT_RETRY_AFTER_SECONDS)}


class Unavailable(DomainError):
    """A system we depend on (an external calendar, the LLM) did not answer."""

    code = "unavailable"
    retryable = True


class OptedOut(DomainError):
    code = "opted_out"


class InternalError(DomainError):
    """An unexpected failure, reported and turned into an outcome, never raised past a seam."""

    code = "internal"
