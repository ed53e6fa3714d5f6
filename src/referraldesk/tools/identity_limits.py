"""How often the agent may try to verify a caller, and when a name is locked for the day.

Name plus date of birth is a guessable secret: someone who knows a patient's name can
walk through birth dates. The guided brain hands over to a person after three failed
checks, but a brain that keeps asking, or a caller who starts a new chat or text
thread each time, must still hit a wall. So every identity attempt by the agent is
counted (successes too: counting only failures would need the count to survive the
tool's rolled-back savepoint, and a real caller needs one or two tries) in the shared
database, per conversation, per caller number and, for web chat, per client address.

A guesser can spread attempts over many conversations and addresses, so failures are
also counted per name, across all of them: a name with five failed checks in a day
is locked for automated verification until the next day (staff still verify by
hand). The lock is the same whether or not the name is on file, so it says nothing
about who is. A conversation with three failed checks gets no more attempts at all,
whatever the brain or the caller says next.

Staff and integrations look patients up by name as their work and are not counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.orm import Session

from referraldesk.channels.ratelimit import RateLimit
from referraldesk.db.crypto import get_keyring
from referraldesk.errors import RateLimited
from referraldesk.models import Conversation
from referraldesk.patients.names import tokens
from referraldesk.tools.contract import ToolArgs, ToolContext, ToolOutcome

# Every tool whose answer tells a caller something about who is on file.
IDENTITY_TOOLS = frozenset({"lookup_patient", "lookup_patient_by_phone", "create_new_patient"})
DAY_SECONDS = 24 * 3600
# The guided brain and the runtime's guardrail hand over to staff at this many.
FAILED_CHECKS_PER_CONVERSATION = 3
# lookup_patient answers these when name and date of birth do not single out a patient.
_FAILED_CHECK_CODES = frozenset({"not_found", "ambiguous"})

# A conversation lasts minutes (a text thread at most a day): five attempts is two
# more than the guided brain's hand-over after three failures.
PER_CONVERSATION = RateLimit(
    "identity_per_conversation", limit=5, window_seconds=DAY_SECONDS,
    counted="identity checks in this conversation",
)
# One phone may be shared by a family, each verifying in turn; ten a day covers them.
PER_CALLER_NUMBER = RateLimit(
    "identity_per_caller_number", limit=10, window_seconds=DAY_SECONDS,
    counted="identity checks from this phone number",
)
# Web chat has no caller number; its client address stands in. A clinic's waiting-room
# wifi may carry a few patients an hour, each needing one or two tries.
PER_CHAT_ADDRESS = RateLimit(
    "identity_per_chat_address", limit=20, window_seconds=3600,
    counted="identity checks from this address",
)
# Failed checks of one name, from anywhere, per day: a patient who mistypes has four
# more tries; a guesser with a name and many addresses has five birth dates a day.
FAILURES_PER_NAME = RateLimit(
    "identity_failures_per_name", limit=5, window_seconds=DAY_SECONDS,
    counted="failed identity checks of this name today",
)

# The web chat route sets the client's address for the turn it plays; the runtime and
# the brains between it and the catalog never see addresses.
_chat_address: ContextVar[str | None] = ContextVar("identity_chat_address", default=None)
_UNKNOWN_ADDRESS = "unknown"


@contextmanager
def chat_from(address: str | None) -> Iterator[None]:
    """Count the agent's identity attempts inside this block against `address` too."""
    token = _chat_address.set(address or _UNKNOWN_ADDRESS)
    try:
        yield
    finally:
        _chat_address.reset(token)


def count_attempt(session: Session, ctx: ToolContext, tool_name: str) -> None:
    """Count an agent's identity attempt; raise RateLimited past any limit."""
    if not ctx.is_agent or tool_name not in IDENTITY_TOOLS:
        return
    _refuse_after_failed_checks(session, ctx)
    PER_CONVERSATION.hit(session, ctx.conversation_id)
    if ctx.caller_phone:
        PER_CALLER_NUMBER.hit(session, ctx.caller_phone)
    address = _chat_address.get()
    if address is not None:
        PER_CHAT_ADDRESS.hit(session, address)


def refuse_locked_name(session: Session, ctx: ToolContext, args: ToolArgs) -> None:
    """Raise RateLimited when the name in an agent's identity call is locked today."""
    if not ctx.is_agent:
        return
    for key in _name_keys(args):
        if FAILURES_PER_NAME.count(session, key) >= FAILURES_PER_NAME.limit:
            raise RateLimited(
                "too many failed identity checks for this name today; it cannot be "
                "verified automatically until tomorrow",
                hint="Offer to hand the caller to staff, who can verify them in person.",
                retry_after_seconds=FAILURES_PER_NAME.seconds_left(),
            )


def count_name_outcome(
    session: Session, ctx: ToolContext, tool_name: str, args: ToolArgs, outcome: ToolOutcome
) -> None:
    """Count a failed check against the name it named.

    A registration counts too: it follows a failed look-up, and a refused one
    (duplicate) would otherwise be a way to test birth dates without a failure.
    """
    if not ctx.is_agent or not _is_miss(tool_name, outcome):
        return
    for key in _name_keys(args):
        FAILURES_PER_NAME.hit(session, key)


def _is_miss(tool_name: str, outcome: ToolOutcome) -> bool:
    if outcome.replayed:
        return False
    if tool_name == "create_new_patient":
        return outcome.ok
    if tool_name != "lookup_patient" or outcome.error is None:
        return False
    return outcome.error.code in _FAILED_CHECK_CODES


def _refuse_after_failed_checks(session: Session, ctx: ToolContext) -> None:
    # Read from the conversation row (the runtime counts failures there), so neither a
    # brain that keeps asking nor a caller who declines a person gets a fourth try.
    if ctx.conversation_id is None:
        return
    conversation = session.get(Conversation, ctx.conversation_id)
    if conversation is None or conversation.failed_verifications < FAILED_CHECKS_PER_CONVERSATION:
        return
    raise RateLimited(
        "identity could not be confirmed in this conversation; no more checks are allowed",
        hint="Hand the caller to staff, who can verify them in person.",
    )


def _name_keys(args: ToolArgs) -> list[str]:
    given: str = getattr(args, "given_names", "") or ""
    surnames: Sequence[str] = getattr(args, "surnames", None) or ()
    return [get_keyring().blind_index("identity_name", pair) for pair in name_pairs(given, surnames)]


def name_pairs(given_names: str, surnames: Sequence[str]) -> list[str]:
    """The folded (first given name, surname) pairs a name is locked under.

    The patient match forgives word order and a missing second surname or middle
    name, so "María López", "María García" and given "García", surname "María" may
    all reach María López García: locking each pair of first given name and one
    surname, in either order, covers those variants without locking every María.
    (Misspellings the match also forgives are not covered; the per-address and
    per-conversation limits bound those.)
    """
    given = tokens(given_names)
    family = [word for surname in surnames for word in tokens(surname)]
    if not given or not family:
        return []
    return sorted({"|".join(sorted((given[0], word))) for word in family})
