"""How often the agent may try to verify a caller: per conversation and per caller number.

Name plus date of birth is a guessable secret: someone who knows a patient's name can
walk through birth dates. The guided brain hands over to a person after three failed
checks, but a brain that keeps asking, or a caller who starts a new chat or text
thread each time, must still hit a wall. So every identity attempt by the agent is
counted (successes too: counting only failures would need the count to survive the
tool's rolled-back savepoint, and a real caller needs one or two tries) in the shared
database, per conversation and per caller number across conversations. Staff and
integrations look patients up by name as their work and are not counted here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.channels.ratelimit import RateLimit
from referraldesk.tools.contract import ToolContext

IDENTITY_TOOLS = frozenset({"lookup_patient", "lookup_patient_by_phone"})
DAY_SECONDS = 24 * 3600

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


def count_attempt(session: Session, ctx: ToolContext, tool_name: str) -> None:
    """Count an agent's identity attempt; raise RateLimited past either limit."""
    if not ctx.is_agent or tool_name not in IDENTITY_TOOLS:
        return
    PER_CONVERSATION.hit(session, ctx.conversation_id)
    if ctx.caller_phone:
        PER_CALLER_NUMBER.hit(session, ctx.caller_phone)
