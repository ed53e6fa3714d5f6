"""Yes or no answers, in either language."""

from __future__ import annotations

import re

from .text import fold

_FILLER = r"(?:(?:oh|well|um|uh|ah|pues|este|mmm?|ok|okay|bueno)\s+)*"
_YES = re.compile(
    rf"^{_FILLER}(?:yes|yeah|yep|yup|sure|of course|correct|exactly|absolutely|definitely|"
    r"that works|that'?s fine|sounds good|that'?s right|that'?s correct|perfect|please do|"
    r"si|claro|esta bien|perfecto|andale|orale|de acuerdo|correcto|exacto|asi es|eso es|"
    r"muy bien|por supuesto|simon|con gusto|me parece bien|me queda bien|esa (?:me )?sirve|"
    r"that one works|go ahead|book it)\b"
)
# Words that mean yes only when they are the whole answer: "va a venir mi hijo" is not a yes.
_YES_ALONE = re.compile(
    rf"^{_FILLER}(?:ok|okay|va|sale|fine|great|right|bueno|vale|ya|aja|aha|uh huh|mhm|alright"
    rf"|all right)$"
)
_NO = re.compile(
    rf"^{_FILLER}(?:no(?!\s+(?:se|lo se|me acuerdo|recuerdo|estoy segur|idea|entiendo|le"
    rf" entiendo)\b)|nope|nah|not really|negative|ninguno|ninguna|nada|para nada|tampoco|"
    r"not at all|i don'?t think so|creo que no|nel|that doesn'?t work|none of them)\b"
)


def read_yes_no(text: str) -> bool | None:
    """Return True for a yes, False for a no, None when the turn is neither."""
    folded = re.sub(r"[,.!?¡¿;:]", " ", fold(text))
    folded = re.sub(r"\s+", " ", folded).strip()
    if _NO.match(folded):
        return False
    if _YES.match(folded) or _YES_ALONE.match(folded):
        return True
    return None
