"""Which of the server's Schedules is which of our providers at which of our sites.

Practitioners match by NPI and sites by their identifier (our location key), read
from the Schedule's actor references, or from the Practitioner and Location they
point at when the reference carries no identifier. Our own ids never cross.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.schedule import Schedule
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import Location, Provider
from referraldesk.scheduling.backends.fhir_http import FhirHttp
from referraldesk.scheduling.fhir.resources import LOCATION_SYSTEM, NPI_SYSTEM

log = get_logger(__name__)

Resource = dict[str, Any]
# Servers page searches at 10 to 50 entries; this many pages covers any practice's
# Schedules and stops a server whose `next` links never end.
MAX_SEARCH_PAGES = 50


@dataclass(frozen=True)
class RemoteSchedule:
    """One Schedule of the server: a practitioner (by NPI) at a site (by key)."""

    id: str
    practitioner_reference: str | None
    npi: str
    location_key: str


@dataclass(frozen=True)
class LocalDirectory:
    providers_by_npi: dict[str, Provider]
    locations_by_key: dict[str, Location]

    @classmethod
    def load(cls, session: Session) -> LocalDirectory:
        providers = session.scalars(select(Provider)).all()
        locations = session.scalars(select(Location)).all()
        return cls({p.npi: p for p in providers}, {site.key: site for site in locations})


def entries(bundle: Resource, resource_type: str) -> list[Resource]:
    return [
        entry["resource"]
        for entry in bundle.get("entry") or []
        if isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == resource_type
    ]


def search_all(
    http: FhirHttp, resource_type: str, params: dict[str, str] | None = None
) -> Iterator[Resource]:
    """Every `resource_type` entry of a search, page after page along `link[next]`."""
    bundle = http.get(resource_type, params=params)
    followed: set[str] = set()
    while True:
        yield from entries(bundle, resource_type)
        following = next_link(bundle)
        if following is None or following in followed:
            return
        if len(followed) + 1 >= MAX_SEARCH_PAGES:
            log.warning(
                "fhir_search_truncated", resource_type=resource_type, pages=MAX_SEARCH_PAGES
            )
            return
        followed.add(following)
        bundle = http.get_next_page(following)


def next_link(bundle: Resource) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and link.get("url"):
            return str(link["url"])
    return None


def read_schedules(http: FhirHttp) -> list[RemoteSchedule]:
    """Every active Schedule the server lists that names a practitioner and a site."""
    found = []
    lookups: dict[str, Resource] = {}
    for resource in search_all(http, "Schedule", {"active": "true"}):
        _validate(resource)
        npi = location_key = practitioner = None
        for actor in resource.get("actor") or []:
            reference = actor.get("reference") or ""
            identifier = actor.get("identifier") or _looked_up(http, reference, lookups)
            if reference.startswith("Practitioner/") or identifier.get("system") == NPI_SYSTEM:
                npi, practitioner = identifier.get("value"), reference or None
            elif reference.startswith("Location/") or identifier.get("system") == LOCATION_SYSTEM:
                location_key = identifier.get("value")
        if npi and location_key:
            found.append(RemoteSchedule(str(resource["id"]), practitioner, npi, location_key))
    return found


def _looked_up(http: FhirHttp, reference: str, cache: dict[str, Resource]) -> Resource:
    """The NPI or site identifier of a referenced Practitioner or Location."""
    if not reference.startswith(("Practitioner/", "Location/")):
        return {}
    if reference not in cache:
        resource = http.get(reference)
        wanted = NPI_SYSTEM if reference.startswith("Practitioner/") else LOCATION_SYSTEM
        cache[reference] = next(
            (i for i in resource.get("identifier") or [] if i.get("system") == wanted), {}
        )
    return cache[reference]


def _validate(resource: Resource) -> None:
    try:
        Schedule.model_validate(resource)
    except ValidationError:
        raise Unavailable(
            f"the practice calendar sent an invalid Schedule {resource.get('id')!r}"
        ) from None
