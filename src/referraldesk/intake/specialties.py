"""Which of the practice's specialties a referral message asks for.

Messages name the specialty in many ways: a requested provider's NPI, a NUCC
taxonomy code (often a subspecialty: 2080P0204X pediatric pulmonology is read as
the practice's pediatrics, 208000000X), a label in PRD RT or ServiceRequest.code,
or nothing at all but the diagnoses. The evidence is tried in that order; the
first that names a specialty the practice lists wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import Ambiguous
from referraldesk.intake.facts import SpecialtyHints
from referraldesk.models import Provider, Specialty
from referraldesk.patients.names import fold
from referraldesk.referrals.specialties import as_key, specialty_key_for

# One word of a message against one word of a label ("paediatric"/"pediatrics").
WORD_MATCH_THRESHOLD = 85
# NUCC codes: a classification ends in 00000X; its first four characters are shared
# by its specializations (208000000X Pediatrics, 2080P0204X Pediatric Pulmonology).
_CLASSIFICATION_SUFFIX = "00000X"
# A diagnosis says little about who should see the patient, so this is the last
# resort, by ICD-10-CM chapter or block.
_ICD10_SPECIALTY: tuple[tuple[str, str], ...] = (
    ("R00", "cardiology"), ("R01", "cardiology"), ("I", "cardiology"),
    ("L", "dermatology"), ("M", "orthopedics"), ("S", "orthopedics"),
    ("J", "pulmonology"), ("K", "gastroenterology"),
)


@dataclass(frozen=True)
class SpecialtyChoice:
    """The specialty key, and the provider asked for by NPI when there was one."""

    key: str
    provider_id: str | None = None


def resolve_specialty(session: Session, hints: SpecialtyHints) -> SpecialtyChoice | None:
    """Return the specialty the hints name, or None when they name nothing.

    A label the practice does not list comes back as its key ("Podiatry" ->
    "podiatry"), so the referral is kept for a coordinator rather than refused.
    """
    specialties = list(session.scalars(select(Specialty)).all())
    known = {specialty.key for specialty in specialties}
    provider = _requested_provider(session, hints.provider_npis)
    if provider is not None:
        return SpecialtyChoice(provider.specialty_key, provider.id)
    key = (_by_taxonomy(session, specialties, hints.taxonomy_codes)
           or _by_text(session, specialties, known, hints.texts)
           or _by_diagnosis(known, hints.icd10))
    if key is not None:
        return SpecialtyChoice(key)
    unknown = next((as_key(text) for text in hints.texts if as_key(text)), None)
    return SpecialtyChoice(unknown) if unknown else None


def _requested_provider(session: Session, npis: list[str]) -> Provider | None:
    for npi in npis:
        provider = session.scalar(select(Provider).where(Provider.npi == npi,
                                                         Provider.active.is_(True)))
        if provider is not None:
            return provider
    return None


def _by_taxonomy(session: Session, specialties: list[Specialty], codes: list[str]) -> str | None:
    for raw in codes:
        code = raw.strip().upper()
        exact = next((s.key for s in specialties if s.nucc_code.upper() == code), None)
        if exact:
            return exact
        provider_key = session.scalar(
            select(Provider.specialty_key).where(Provider.taxonomy_code == code).limit(1)
        )
        if provider_key:
            return provider_key
        parent = next((s.key for s in specialties
                       if s.nucc_code.upper().endswith(_CLASSIFICATION_SUFFIX)
                       and s.nucc_code[:4].upper() == code[:4]), None)
        if parent:
            return parent
    return None


def _by_text(session: Session, specialties: list[Specialty], known: set[str],
             texts: list[str]) -> str | None:
    for text in texts:
        try:
            key = specialty_key_for(session, text)
        except Ambiguous:
            continue
        if key in known:
            return key
    named = (_first_named(specialties, text) for text in texts)
    return next((key for key in named if key is not None), None)


def _first_named(specialties: list[Specialty], text: str) -> str | None:
    """The specialty whose label word appears earliest in `text` ("Pediatric pulmonology")."""
    for word in fold(text).split():
        for specialty in specialties:
            if any(_alike(word, label_word) for label_word in _label_words(specialty)):
                return specialty.key
    return None


def _label_words(specialty: Specialty) -> set[str]:
    words = fold(f"{specialty.label_en} {specialty.label_es} {specialty.key.replace('_', ' ')}")
    # Only the distinctive words: "therapy" alone must not pick physical therapy.
    return {word for word in words.split() if len(word) >= 6 and word not in _COMMON_WORDS}


_COMMON_WORDS = frozenset({"therapy", "terapia", "medicine", "medicina", "surgery", "cirugia",
                           "fisica", "physical", "occupational", "trabajo"})


def _alike(word: str, label_word: str) -> bool:
    return len(word) >= 5 and fuzz.ratio(word, label_word) >= WORD_MATCH_THRESHOLD


def _by_diagnosis(known: set[str], codes: list[str]) -> str | None:
    for code in codes:
        for prefix, key in _ICD10_SPECIALTY:
            if code.upper().startswith(prefix) and key in known:
                return key
    return None
