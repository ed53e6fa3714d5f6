"""The guided brain by default; the LLM brain only when it is fully configured."""

from __future__ import annotations

from referraldesk.conversation import brains
from referraldesk.settings import Settings


def test_it_chooses_guided_by_default() -> None:
    assert brains.configured_brain_name(Settings(brain="guided")) == "guided"


def test_it_falls_back_to_guided_when_the_llm_has_no_endpoint() -> None:
    assert brains.configured_brain_name(Settings(brain="llm", llm_base_url=None)) == "guided"


def test_it_chooses_the_llm_when_configured() -> None:
    settings = Settings(brain="llm", llm_base_url="http://127.0.0.1:9/v1")

    assert brains.configured_brain_name(settings) == "llm"
    assert brains.get_brain("llm").name == "llm"


def test_an_unknown_brain_name_is_served_by_guided() -> None:
    assert brains.get_brain("nonesuch").name == "guided"
