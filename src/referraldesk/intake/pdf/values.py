"""Reading one field's value as a form writes it: dates, NPIs, ICD-10 codes, urgency, names.

Each reader returns the value in the form the CSV door takes (ISO dates, E.164
phones, "routine"/"urgent") and how sure it is, 0..1; a value that does not read
is returned as written with a low confidence, so the coordinator sees it.
"""

from __future__ import annotations

import re
from datetime import date

from referraldesk.errors import InvalidArgument
from referraldesk.intake.words import urgency_of
from referraldesk.patients.names import fold, split_surnames
from referraldesk.patients.phones import normalize_phone
from referraldesk.practice.fields import npi_is_valid
from referraldesk.referrals.schemas import normalize_icd10

SURE = 0.95
UNSURE = 0.35
# A date whose day and month could be swapped (03/04/1988): read US-style, but flagged.
AMBIGUOUS_DATE = 0.7
# A name written "First Middle Last" without a comma: which words are surnames is a guess.
GUESSED_NAME_SPLIT = 0.7

_NUMERIC_DATE = re.compile(r"\b(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")
_MONTHS = {
    "jan": 1, "january": 1, "enero": 1, "feb": 2, "february": 2, "febrero": 2, "mar": 3,
    "march": 3, "marzo": 3, "apr": 4, "april": 4, "abril": 4, "may": 5, "mayo": 5, "jun": 6,
    "june": 6, "junio": 6, "jul": 7, "july": 7, "julio": 7, "aug": 8, "august": 8, "agosto": 8,
    "sep": 9, "sept": 9, "september": 9, "septiembre": 9, "setiembre": 9, "oct": 10,
    "october": 10, "octubre": 10, "nov": 11, "november": 11, "noviembre": 11, "dec": 12,
    "december": 12, "diciembre": 12,
}
# Matched on folded text, where punctuation is already spaces.
_WORD_DATE_EN = re.compile(r"\b([a-z]{3,10}) (\d{1,2}) (\d{4})\b")
_WORD_DATE_ES = re.compile(r"\b(\d{1,2}) de ([a-z]{3,10}) (?:de |del )?(\d{4})\b")
_PHONE = re.compile(r"(?:\+?1[\s.\-]?)?\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}")
_NPI = re.compile(r"(?<!\d)\d{10}(?!\d)")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s\-](?=\d)")
# An ICD-10-CM code as printed; OCR reads 0 as O and 1 as l or I inside it.
_ICD10 = re.compile(r"\b([A-TV-Z][0-9OIl][0-9A-Z](?:\.[0-9A-Z]{1,4})?)\b")
_ICD10_DOTTED = re.compile(r"\b([A-TV-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4})\b")
_OCR_DIGITS = str.maketrans({"O": "0", "I": "1", "l": "1"})
_CHECKED = re.compile(r"[\[(]\s*[xX✓✔]\s*[\])]\s*([A-Za-zÁÉÍÓÚáéíóú]+)|[☒☑■]\s*([A-Za-záéíóú]+)")
_URGENT_WORDS = re.compile(r"\b(STAT|URGENT|URGENTE|ASAP)\b")


def read_date(text: str, *, day_first: bool = False) -> tuple[str, float] | None:
    """An ISO date and its confidence, or None when `text` holds no date."""
    folded = fold(text)
    for pattern, order in ((_WORD_DATE_ES, "dmy"), (_WORD_DATE_EN, "mdy")):
        match = pattern.search(folded)
        if match:
            parts = dict(zip(order, match.groups(), strict=True))
            month = _MONTHS.get(parts["m"])
            if month:
                return _checked_date(int(parts["y"]), month, int(parts["d"]), SURE)
    match = _NUMERIC_DATE.search(text)
    if match is None:
        return None
    first, second, third = match.groups()
    if len(first) == 4:
        return _checked_date(int(first), int(second), int(third), SURE)
    year = int(third) + (1900 if len(third) == 2 and int(third) > 30 else
                         2000 if len(third) == 2 else 0)
    month, day = int(first), int(second)
    if day_first or month > 12:
        month, day = day, month
    ambiguous = month <= 12 and day <= 12 and month != day
    return _checked_date(year, month, day, AMBIGUOUS_DATE if ambiguous else SURE)


def _checked_date(year: int, month: int, day: int, confidence: float) -> tuple[str, float] | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value.isoformat(), confidence


def read_phone(text: str) -> tuple[str, float] | None:
    match = _PHONE.search(text)
    if match is None:
        return None
    try:
        return normalize_phone(match.group(0)), SURE
    except InvalidArgument:
        return match.group(0), UNSURE


def read_npi(text: str) -> tuple[str, float] | None:
    # "1234 567 893" and "1234-567-893" are one NPI.
    match = _NPI.search(_BETWEEN_DIGITS.sub("", text))
    if match is None:
        return None
    npi = match.group(0)
    return npi, SURE if npi_is_valid(npi) else UNSURE


# OCR reads the letter I of a code (I49.9) as the digit 1; in a diagnosis field
# a "149.9" can only be that.
_ONE_FOR_I = re.compile(r"(?<![\w.])1(\d[0-9A-Z]\.[0-9A-Z]{1,4})\b")


def read_icd10(text: str, *, dotted_only: bool = False) -> list[str]:
    """Every ICD-10-CM code in `text`, normalized and in order, each once.

    In a labelled diagnosis field (`dotted_only` False) OCR's 1-for-I is undone.
    """
    pattern = _ICD10_DOTTED if dotted_only else _ICD10
    if not dotted_only:
        text = _ONE_FOR_I.sub(r"I\1", text)
    codes: list[str] = []
    for raw in pattern.findall(text):
        code = normalize_icd10(raw[0] + raw[1:3].translate(_OCR_DIGITS) + raw[3:])
        if code and code not in codes:
            codes.append(code)
    return codes


def read_urgency(text: str) -> tuple[str, float] | None:
    """Urgent or routine from a field's words or a ticked box ("[X] Urgent")."""
    for ticked in _CHECKED.findall(text):
        urgency = urgency_of(next(word for word in ticked if word))
        if urgency:
            return urgency, SURE
    if _CHECKED.search(text) is None and re.search(r"[\[(☐□]", text):
        return None  # boxes, none ticked: the words next to them are the choices
    for word in fold(text).split():
        urgency = urgency_of(word)
        if urgency and word not in {"r", "p", "c", "s", "a", "t", "u"}:
            return urgency, SURE
    return None


def urgency_in_text(text: str) -> str | None:
    """"urgent" when the page shouts it anywhere (STAT, URGENT, URGENTE), else None."""
    return "urgent" if _URGENT_WORDS.search(text) else None


def split_name(text: str, *, spanish: bool) -> tuple[str, str, float]:
    """Given names, surnames and a confidence for a patient's name as a form writes it.

    "LOPEZ GARCIA, Maria Elena" is certain. Without a comma the split is a guess:
    two words are given + surname; more are given + two surnames on a Spanish form,
    given names + one surname on an English one.
    """
    cleaned = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip(" ,;")
    if "," in cleaned:
        family, given = (part.strip() for part in cleaned.split(",", 1))
        return _display(given), " ".join(split_surnames(_display(family))), SURE
    words = cleaned.split(" ")
    if len(words) < 2:
        return _display(cleaned), "", UNSURE
    if len(words) == 2:
        return _display(words[0]), _display(words[1]), SURE
    surname_count = 2 if spanish or _hispanic_surname(words[-2]) else 1
    given, family = " ".join(words[:-surname_count]), " ".join(words[-surname_count:])
    return _display(given), _display(family), GUESSED_NAME_SPLIT


def _hispanic_surname(word: str) -> bool:
    """A word that is a surname in Spanish naming ("López", "Hernández", "Díaz"): then the
    name carries two surnames even on an English form."""
    folded = fold(word)
    return folded != word.casefold() or folded.endswith(("ez", "az", "iz", "oz"))


def _display(text: str) -> str:
    letters = [char for char in text if char.isalpha()]
    if letters and all(char.isupper() for char in letters):
        return " ".join(word.capitalize() for word in text.split(" "))
    return text


def strip_npi(text: str) -> str:
    """A provider's name without the ", NPI 1234567893" a form writes after it."""
    return re.sub(r"[,;]?\s*\(?NPI[:#]?\s*\d{10}\)?", "", text, flags=re.IGNORECASE).strip(" ,;")


def unread_code_count(text: str, codes: list[str]) -> int:
    """How many comma- or space-separated items of a diagnosis field did not read as codes."""
    items = [item for item in re.split(r"[,;\s]+", text) if re.search(r"\d", item)]
    return max(len(items) - len(codes), 0)
