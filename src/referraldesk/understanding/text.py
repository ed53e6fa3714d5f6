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
    """Lower-case, accent-free, single-spaced text; keeps punctuation so offsets still mean something."""
    return _SPACES.sub(" ", strip_accents(text).lower()).strip()


def has_word(folded: str, pattern: str) -> bool:
    """True when the regex `pattern` matches `folded` on word boundaries."""
    return re.search(rf"(?<![\w]){pattern}(?![\w])", folded) is not None
