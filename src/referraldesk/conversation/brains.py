"""Which brain drives a conversation: guided by default, the LLM brain when configured.

The brain's name is stored on the conversation, so every turn of it, on any web
instance, is served by the same kind of brain. The LLM brain is used only when
REFERRALDESK_BRAIN=llm and REFERRALDESK_LLM_BASE_URL are both set; otherwise, or if
it cannot be loaded, the guided brain answers and a warning says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from referraldesk.conversation.brain import Brain
from referraldesk.logging import get_logger
from referraldesk.settings import Settings, get_settings

log = get_logger(__name__)

BrainFactory = Callable[[], Brain]


def _guided() -> Brain:
    from referraldesk.conversation.guided import GuidedBrain

    return GuidedBrain()


def _llm() -> Brain:
    from referraldesk.conversation.llm import LLMBrain

    return LLMBrain()


_FACTORIES: dict[str, BrainFactory] = {"guided": _guided, "llm": _llm}


def configured_brain_name(settings: Settings | None = None) -> str:
    """The brain new conversations get from settings, after the LLM fallback rule."""
    settings = settings or get_settings()
    if settings.brain != "llm":
        return "guided"
    if not settings.llm_base_url:
        log.warning(
            "llm_brain_not_configured",
            fallback="guided",
            fix="set REFERRALDESK_LLM_BASE_URL to an OpenAI-compatible endpoint",
        )
        return "guided"
    return "llm"


def get_brain(name: str) -> Brain:
    """A brain instance by name; an LLM brain that cannot load falls back to guided."""
    factory = _FACTORIES.get(name)
    if factory is None:
        log.warning("unknown_brain", brain=name, fallback="guided")
        factory = _FACTORIES["guided"]
    if name == "llm":
        try:
            return factory()
        except ImportError as exc:
            log.warning("llm_brain_unavailable", error=type(exc).__name__, fallback="guided")
            return _FACTORIES["guided"]()
    return factory()


@contextmanager
def replaced(name: str, factory: BrainFactory) -> Iterator[None]:
    """Serve brain `name` from `factory` for a while (tests, the case player's harness)."""
    previous = _FACTORIES.get(name)
    _FACTORIES[name] = factory
    try:
        yield
    finally:
        if previous is None:
            _FACTORIES.pop(name, None)
        else:
            _FACTORIES[name] = previous
