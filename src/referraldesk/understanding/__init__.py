"""Bilingual (English/Spanish) understanding of caller turns for the guided brain."""

from .engine import understand
from .lexicon import DEFAULT_LEXICON, Lexicon, PlanEntry, SpecialtyEntry
from .model import DateRange, Name, Understanding, Window
from .names import names_match
from .slots_text import match_slot_choice, place_beyond

__all__ = [
    "DEFAULT_LEXICON",
    "DateRange",
    "Lexicon",
    "Name",
    "PlanEntry",
    "SpecialtyEntry",
    "Understanding",
    "Window",
    "match_slot_choice",
    "names_match",
    "place_beyond",
    "understand",
]
