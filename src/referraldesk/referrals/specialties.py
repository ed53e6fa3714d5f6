"""Which specialty a referral asks for, and whether this practice offers it in network."""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from referraldesk.errors import Ambiguous, InvalidArgument
from referraldesk.models import Plan, Provider, Specialty, provider_plans
from referraldesk.patients.names import fold

# rapidfuzz ratio, 0-100, on folded labels: "orthopaedics", "dermatologia" pass.
SPECIALTY_MATCH_THRESHOLD = 85
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def specialty_key_for(session: Session, text: str) -> str:
    """Return the key of the specialty `text` names (a key, or a label in English or Spanish).

    A specialty the practice does not list comes back as its snake_case form
    ("Podiatry" -> "podiatry"): the referral is kept for a coordinator to decide,
    not refused at the door. Raises Ambiguous when the text fits two specialties.
    """
    key = as_key(text)
    if not key:
        raise InvalidArgument("no specialty given: send a key like dermatology", field="specialty")
    specialties = list(session.scalars(select(Specialty)).all())
    if any(specialty.key == key for specialty in specialties):
        return key
    fitting = _fitting(specialties, fold(text))
    if not fitting:
        return _lay_word(text, {s.key for s in specialties}) or key
    best = max(score for score, _ in fitting)
    keys = sorted({s.key for score, s in fitting if score == best})
    if len(keys) > 1:
        raise Ambiguous(
            f"specialty {text!r} fits {', '.join(keys)}; send one of those keys", field="specialty"
        )
    return keys[0]


def _lay_word(text: str, known: set[str]) -> str | None:
    """The specialty a lay word names ("skin", "médico de los huesos"), if the practice has it."""
    from referraldesk.clock import now
    from referraldesk.understanding import understand

    said = understand(text, now=now(), awaiting="specialty").specialty
    return said if said in known else None


def is_offered(session: Session, specialty_key: str, plan: Plan | None) -> bool:
    """True when an active provider of the specialty exists, taking `plan` unless self-pay."""
    query = select(Provider.id).where(
        Provider.specialty_key == specialty_key, Provider.active.is_(True)
    )
    if plan is not None and plan.kind != "self_pay":
        query = query.where(
            exists().where(
                provider_plans.c.provider_id == Provider.id, provider_plans.c.plan_id == plan.id
            )
        )
    return session.scalar(query.limit(1)) is not None


def as_key(text: str) -> str:
    """Return `text` in snake_case key form: "Physical Therapy" -> "physical_therapy"."""
    return _NOT_KEY.sub("_", fold(text)).strip("_")


def _fitting(specialties: list[Specialty], folded: str) -> list[tuple[float, Specialty]]:
    scored = [(_score(specialty, folded), specialty) for specialty in specialties]
    return [(score, specialty) for score, specialty in scored if score >= SPECIALTY_MATCH_THRESHOLD]


def _score(specialty: Specialty, folded: str) -> float:
    names = (specialty.label_en, specialty.label_es, specialty.key.replace("_", " "))
    return max(fuzz.ratio(folded, fold(name)) for name in names)
