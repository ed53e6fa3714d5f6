"""The practice's plans and specialties as the understanding layer reads them."""

from __future__ import annotations

from referraldesk.conversation.brain import TurnContext
from referraldesk.understanding import DEFAULT_LEXICON, Lexicon


def practice_lexicon(ctx: TurnContext) -> Lexicon:
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
