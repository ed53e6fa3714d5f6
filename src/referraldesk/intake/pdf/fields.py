"""Finding a referral's fields in the text of a form, a fax cover sheet or a letter.

Lines are read as "Label: value" (several to a line on two-column forms); the
value runs to the next label or the end of the line, or is the next line when
the label stands alone. A reason goes on over the lines after it. What no label
names is looked for by its shape: a dated birth, a checked NPI, dotted ICD-10
codes, STAT or URGENT anywhere. Each field gets a confidence, 0..1: 0 when not
found, low when found but not in the shape the field needs.

The fields are the CSV door's columns, so a confirmed PDF is applied as a row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from referraldesk.intake.pdf import values
from referraldesk.intake.pdf.labels import (
    FIELD_LABELS,
    GENERIC_LABELS,
    IGNORED_LABELS,
    PATIENT_SECTION,
    SECTION_HEADINGS,
    SPANISH_MARKERS,
)
from referraldesk.patients.names import fold
from referraldesk.practice.fields import npi_is_valid

FIELDS = ("placer_id", "referring_practice", "referring_provider", "referring_provider_npi",
          "patient_given", "patient_surnames", "patient_dob", "patient_phone",
          "preferred_language", "plan", "member_id", "specialty", "reason", "icd10", "urgency")
LABELLED = 0.9
# A generic label ("Name:") read by the section it sits in.
BY_SECTION = 0.85
BY_SHAPE = 0.6
# Nothing says so: most referrals are routine, but a person should look.
ASSUMED_ROUTINE = 0.5
REASON_MAX_LINES = 6
# A letter signed "Dr. Carmen Vega, MD, NPI 1679576722".
_SIGNATURE = re.compile(r"^\s*((?:Dr\.?|Dra\.?)\s+[^\d,\n]{3,60}?)(?:,?\s*(?:MD|DO|NP|PA-C|FNP))?"
                        r",?\s*NPI\b", re.MULTILINE)
# "I am referring the patient above to dermatology", "To: Cardiology department".
_REFERRED_TO = re.compile(r"(?:referring\b[^\n]{0,60}?\bto|^to:|refiero[^\n]{0,60}?\ba)\s+"
                          r"(?:the\s+|la\s+|el\s+)?([a-zA-Z\u00c0-\u017f ]{4,40}?)"
                          r"(?:\s+(?:department|clinic|departamento|urgently)|[.,\n])",
                          re.IGNORECASE | re.MULTILINE)


@dataclass
class Found:
    value: str = ""
    confidence: float = 0.0


@dataclass
class Extraction:
    """Every field (empty with confidence 0 when not found) and the form's language."""

    fields: dict[str, Found] = field(default_factory=lambda: {name: Found() for name in FIELDS})
    language: str = "en"

    def put(self, name: str, value: str, confidence: float) -> None:
        if value and not self.fields[name].value:
            self.fields[name] = Found(value.strip(), round(confidence, 3))

    def as_json(self) -> dict[str, dict[str, object]]:
        return {name: {"value": found.value, "confidence": found.confidence}
                for name, found in self.fields.items()}


def _lowered(text: str) -> str:
    """Lower case without accents, one character for each of `text`'s, so spans line up."""
    return "".join(unicodedata.normalize("NFD", char)[0].lower() for char in text)


def _label_pattern() -> re.Pattern[str]:
    labels = [*FIELD_LABELS.values(), tuple(GENERIC_LABELS), IGNORED_LABELS]
    every = sorted({label for group in labels for label in group}, key=len, reverse=True)
    alternatives = "|".join(re.escape(label) for label in every)
    # A label starts a line or follows a space or bar, and a colon ends it.
    return re.compile(rf"(?:^|(?<=[\s|]))({alternatives})\s*:")


_LABEL = _label_pattern()
_FIELD_OF = {label: name for name, group in FIELD_LABELS.items() for label in group}


@dataclass
class _Span:
    label: str
    value: str
    line: int


def extract(text: str) -> Extraction:
    """Find every field in `text` (one form's pages, lines in reading order)."""
    lines = [line.strip() for line in text.splitlines()]
    result = Extraction(language="es" if _spanish(text) else "en")
    spans = _spans(lines)
    for span in spans:
        _take(result, span, lines)
    _by_shape(result, text, lines)
    return result


def _spanish(text: str) -> bool:
    words = set(fold(text).split())
    return len(words & SPANISH_MARKERS) >= 3


def _spans(lines: list[str]) -> list[_Span]:
    """Each label on each line with its value; a label alone takes the next line."""
    spans: list[_Span] = []
    section = PATIENT_SECTION
    for number, line in enumerate(lines):
        heading = SECTION_HEADINGS.get(fold(line).rstrip(": "))
        if heading:
            section = heading
            continue
        lowered = _lowered(line)
        matches = list(_LABEL.finditer(lowered))
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
            value, value_line = line[match.end():end].strip(" |"), number
            if not value and index + 1 == len(matches) and number + 1 < len(lines) \
                    and not _LABEL.search(_lowered(lines[number + 1])):
                value, value_line = lines[number + 1], number + 1
            label = match.group(1)
            if label in GENERIC_LABELS:
                name = GENERIC_LABELS[label].get(section)
                label = f"{section}:{label}"
                if name:
                    spans.append(_Span(label, value, value_line))
                continue
            if label in _FIELD_OF:
                spans.append(_Span(label, value, value_line))
                if _FIELD_OF[label] in ("referring_provider", "referring_practice"):
                    section = "provider"
    return spans


def _name_of(span: _Span) -> str:
    if ":" in span.label:
        section, label = span.label.split(":", 1)
        return GENERIC_LABELS[label][section] or ""
    return _FIELD_OF[span.label]


def _take(result: Extraction, span: _Span, lines: list[str]) -> None:
    name = _name_of(span)
    sure = BY_SECTION if ":" in span.label else LABELLED
    value = span.value
    if not value:
        return
    if name == "patient_name":
        given, surnames, confidence = values.split_name(value, spanish=result.language == "es")
        result.put("patient_given", given, min(sure, confidence))
        result.put("patient_surnames", surnames, min(sure, confidence))
    elif name == "patient_dob":
        read = values.read_date(value, day_first=result.language == "es" and "/" in value)
        result.put(name, *(read if read else (value, values.UNSURE)))
    elif name == "patient_phone":
        read = values.read_phone(value)
        result.put(name, *(read if read else (value, values.UNSURE)))
    elif name == "referring_provider_npi":
        read = values.read_npi(value)
        result.put(name, *(read if read else (value, values.UNSURE)))
    elif name == "referring_provider":
        npi = values.read_npi(value)
        if npi:
            result.put("referring_provider_npi", *npi)
        result.put(name, values.strip_npi(value), sure)
    elif name == "icd10":
        codes = values.read_icd10(value)
        # A code that did not read (OCR lost its letter) makes the list doubtful.
        whole = codes and not values.unread_code_count(value, codes)
        result.put(name, ", ".join(codes), sure if whole else values.UNSURE)
    elif name == "urgency":
        read = values.read_urgency(value)
        if read:
            result.put(name, *read)
    elif name == "reason":
        result.put(name, _reason(value, span.line, lines), sure)
    elif name == "preferred_language":
        spanish = fold(value).split()[:1] in (["spanish"], ["espanol"], ["es"], ["spa"])
        result.put(name, "es" if spanish else "en", sure)
    else:
        result.put(name, value, sure)


def _reason(first: str, line: int, lines: list[str]) -> str:
    """The reason and the lines that continue it, up to the next label or a blank line."""
    parts = [first]
    for following in lines[line + 1:line + 1 + REASON_MAX_LINES]:
        if not following or _LABEL.search(_lowered(following)) or following == first:
            break
        if following.isupper() and len(following.split()) <= 5:
            break  # a section heading
        parts.append(following)
    return " ".join(parts)


def _by_shape(result: Extraction, text: str, lines: list[str]) -> None:
    """Fields no label named, found by what they look like."""
    found = result.fields
    if not found["icd10"].value:
        codes = values.read_icd10(text, dotted_only=True)
        result.put("icd10", ", ".join(codes), BY_SHAPE)
    if not found["urgency"].value:
        urgent = values.urgency_in_text(text)
        result.put("urgency", urgent or "routine", BY_SHAPE if urgent else ASSUMED_ROUTINE)
    if not found["referring_provider_npi"].value:
        for npi in re.findall(r"\b\d{10}\b", text):
            if npi_is_valid(npi):
                result.put("referring_provider_npi", npi, BY_SHAPE)
                break
    if not found["referring_provider"].value:
        signed = _SIGNATURE.search(text)
        if signed:
            result.put("referring_provider", signed.group(1), BY_SHAPE)
    if not found["specialty"].value:
        asked = _REFERRED_TO.search(text)
        if asked:
            result.put("specialty", asked.group(1), BY_SHAPE)
    if not found["referring_practice"].value:
        result.put("referring_practice", _letterhead(lines), values.UNSURE)
    if not found["preferred_language"].value:
        result.put("preferred_language", result.language, BY_SHAPE)


# Words of a form's title, not of the practice that sent it.
_TITLE_WORDS = frozenset({"referral", "fax", "form", "page", "cover", "sheet", "urgent", "stat",
                          "consult", "referencia", "formulario", "solicitud", "urgente",
                          "pagina", "envio"})


def _letterhead(lines: list[str]) -> str:
    """The first line that is neither a label nor a title: usually the sender's name."""
    for line in lines[:8]:
        titled = set(fold(line).split()) & _TITLE_WORDS
        if line and not titled and not _LABEL.search(_lowered(line)):
            return line
    return ""
