"""Small read-only queries over the practice's configuration for the practice tools."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from referraldesk.errors import Ambiguous, NotFound
from referraldesk.models import Closure, Location, Plan, Provider, Service, Specialty

# Fuzzy matches below this score are not trusted; near-ties above it are ambiguous.
_MATCH_FLOOR = 85
_TIE_MARGIN = 3

T = TypeVar("T")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", " ", bare.lower()).strip()


def _best_match(text: str, candidates: Sequence[tuple[T, list[str]]], what: str) -> T:
    wanted = fold(text)
    scored: list[tuple[float, T]] = []
    for item, names in candidates:
        folded = [fold(name) for name in names if name]
        if wanted in folded:
            return item
        score = max((fuzz.WRatio(wanted, name) for name in folded), default=0.0)
        scored.append((score, item))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    if not scored or scored[0][0] < _MATCH_FLOOR:
        raise NotFound(f"no {what} matches {text!r}", field=what)
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - _TIE_MARGIN:
        raise Ambiguous(f"{text!r} could be more than one {what}; name it more fully", field=what)
    return scored[0][1]


def resolve_specialty(session: Session, text: str) -> Specialty:
    """A specialty from its key (physical_therapy) or a plain name in English or Spanish."""
    specialties = session.scalars(select(Specialty)).all()
    candidates = [
        (s, [s.key, s.key.replace("_", " "), s.label_en, s.label_es]) for s in specialties
    ]
    try:
        return _best_match(text, candidates, "specialty")
    except NotFound as exc:
        known = ", ".join(sorted(s.key for s in specialties))
        raise NotFound(
            exc.message, field="specialty", hint=f"Known specialties: {known}."
        ) from None


def resolve_location(session: Session, text: str) -> Location:
    """A site from its id, key or name."""
    by_id = session.get(Location, text)
    if by_id is not None:
        return by_id
    locations = session.scalars(select(Location)).all()
    candidates = [(loc, [loc.key, loc.name, loc.city or ""]) for loc in locations]
    try:
        return _best_match(text, candidates, "location")
    except NotFound as exc:
        known = ", ".join(sorted(loc.key for loc in locations))
        raise NotFound(exc.message, field="location", hint=f"Known sites: {known}.") from None


def find_providers(
    session: Session,
    *,
    specialty_key: str | None = None,
    language: str | None = None,
    plan_id: str | None = None,
    location_id: str | None = None,
    accepting_new: bool | None = None,
) -> list[Provider]:
    """Active providers matching every filter given, by family name."""
    query = (
        select(Provider)
        .where(Provider.active.is_(True))
        .options(selectinload(Provider.plans), selectinload(Provider.locations))
        .order_by(Provider.family_name, Provider.given_name)
    )
    if specialty_key is not None:
        query = query.where(Provider.specialty_key == specialty_key)
    if accepting_new is not None:
        query = query.where(Provider.accepting_new_patients.is_(accepting_new))
    if plan_id is not None:
        query = query.where(Provider.plans.any(Plan.id == plan_id))
    if location_id is not None:
        query = query.where(Provider.locations.any(Location.id == location_id))
    providers = list(session.scalars(query))
    # Languages live in a JSON list; filtering in Python keeps SQLite and PostgreSQL alike.
    if language is not None:
        providers = [p for p in providers if language in p.languages]
    return providers


def services(session: Session, specialty_key: str | None = None) -> list[Service]:
    query = select(Service).order_by(Service.specialty_key, Service.name_en)
    if specialty_key is not None:
        query = query.where(Service.specialty_key == specialty_key)
    return list(session.scalars(query))


def locations(session: Session, location_id: str | None = None) -> list[Location]:
    query = select(Location).options(selectinload(Location.hours)).order_by(Location.name)
    if location_id is not None:
        query = query.where(Location.id == location_id)
    return list(session.scalars(query))


def closures(session: Session, location_id: str, start: date, end: date) -> list[Closure]:
    """Closures of a site, or of every site, overlapping [start, end]."""
    query = (
        select(Closure)
        .where(or_(Closure.location_id == location_id, Closure.location_id.is_(None)))
        .where(Closure.ends_on >= start, Closure.starts_on <= end)
        .order_by(Closure.starts_on)
    )
    return list(session.scalars(query))
