"""Text folding shared by every reader: one place decides what "the same word" means."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """Return `text` without combining marks ("Núñez" -> "Nunez"); ñ becomes n on purpose."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Return lower-case, accent-free, single-spaced text; punctuation is kept."""
    return _SPACES.sub(" ", strip_accents(text).lower()).strip()


def words(block: str) -> list[str]:
    """Return the whitespace-separated words of a word-list block."""
    return block.split()
