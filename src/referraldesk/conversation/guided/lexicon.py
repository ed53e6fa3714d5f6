"""The practice's plans and specialties as the understanding layer reads them."""

from __future__ import annotations

import time

from referraldesk.conversation.brain import TurnContext
from referraldesk.understanding import DEFAULT_LEXICON, Lexicon

# The directory changes when staff load a new practice file, rarely; reading it on
# every turn cost a tool call and most of a turn's time. A minute of staleness for a
# plan's or specialty's spelling is harmless: booking re-checks everything.
LEXICON_TTL_SECONDS = 60.0
_cache: dict[str, tuple[float, Lexicon]] = {}


def practice_lexicon(ctx: TurnContext) -> Lexicon:
    """The practice's lexicon, from a short-lived cache when the runtime names the practice."""
    key = ctx.extra.get("practice_key")
    if not key:
        return _read_lexicon(ctx)
    cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    lexicon = _read_lexicon(ctx)
    _cache[key] = (time.monotonic() + LEXICON_TTL_SECONDS, lexicon)
    return lexicon


def _read_lexicon(ctx: TurnContext) -> Lexicon:
    """Build a lexicon from the provider directory; the demo lexicon when it is empty.

    Plans are those some provider takes; specialties those some provider practises,
    with their English labels (the lexicon adds the Spanish and lay words).
    """
    outcome = ctx.call_tool("get_providers")
    providers = (outcome.data or {}).get("providers", []) if outcome.ok else []
    if not providers:
        return DEFAULT_LEXICON
    plans: dict[str, None] = {}
    specialties: dict[str, str] = {}
    for provider in providers:
        plans.update(dict.fromkeys(provider.get("plans", [])))
        specialties.setdefault(
            provider["specialty"], provider.get("specialty_label") or provider["specialty"]
        )
    return Lexicon.from_names(list(plans), specialties)
