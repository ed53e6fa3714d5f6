"""A real EHR pages its searches: every Schedule is read along the Bundle's `next` links,
only on the EHR's own base URL, and a server whose links go round in a circle stops."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from referraldesk.errors import Unavailable
from referraldesk.scheduling.backends.fhir_directory import read_schedules
from referraldesk.scheduling.backends.fhir_http import FhirHttp
from referraldesk.scheduling.fhir.resources import LOCATION_SYSTEM, NPI_SYSTEM

BASE = "https://ehr.example/fhir"
NOW = "2026-04-14T10:05:00-07:00"


def schedule(number: int) -> dict[str, Any]:
    return {
        "resourceType": "Schedule",
        "id": f"sch-{number}",
        "active": True,
        "actor": [
            {
                "reference": f"Practitioner/pr-{number}",
                "identifier": {"system": NPI_SYSTEM, "value": f"19040{number:05d}"},
            },
            {
                "reference": "Location/visalia",
                "identifier": {"system": LOCATION_SYSTEM, "value": "visalia"},
            },
        ],
    }


def page(numbers: range, following: str | None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": schedule(n)} for n in numbers],
    }
    if following:
        bundle["link"] = [
            {"relation": "self", "url": "ignored"},
            {"relation": "next", "url": following},
        ]
    return bundle


class PagingEhr:
    """Three pages of ten Schedules: an absolute next link, then a relative one."""

    def __init__(self, last_link: str | None = None):
        self.seen: list[str] = []
        self.authorizations: list[str] = []
        self.pages = {
            "/fhir/Schedule": page(range(0, 10), f"{BASE}?_getpages=abc&_offset=10"),
            "/fhir?_getpages=abc&_offset=10": page(range(10, 20), "Schedule?page=3"),
            "/fhir/Schedule?page=3": page(range(20, 30), last_link),
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode()
        key = "/fhir/Schedule" if key.startswith("/fhir/Schedule?active") else key
        self.seen.append(f"{request.url.host}{key}")
        self.authorizations.append(request.headers.get("authorization", ""))
        if request.url.host != "ehr.example" or key not in self.pages:
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        return httpx.Response(200, json=self.pages[key])


def client(ehr: PagingEhr) -> FhirHttp:
    return FhirHttp(BASE, auth=_Bearer(), transport=httpx.MockTransport(ehr), backoff_seconds=0)


class _Bearer(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = "Bearer secret"
        yield request


def test_every_page_of_schedules_is_read(frozen_now: Callable[[str], datetime]) -> None:
    frozen_now(NOW)
    ehr = PagingEhr()

    schedules = read_schedules(client(ehr))

    assert [s.id for s in schedules] == [f"sch-{n}" for n in range(30)]
    assert schedules[29].npi == "1904000029" and schedules[29].location_key == "visalia"
    assert ehr.seen == [
        "ehr.example/fhir/Schedule",
        "ehr.example/fhir?_getpages=abc&_offset=10",
        "ehr.example/fhir/Schedule?page=3",
    ]


def test_a_next_link_to_another_server_is_not_followed_with_our_token(
    frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now(NOW)
    ehr = PagingEhr(last_link="https://elsewhere.example/fhir/Schedule?page=4")

    with pytest.raises(Unavailable, match="next page on another server"):
        read_schedules(client(ehr))

    assert all(seen.startswith("ehr.example/") for seen in ehr.seen)
    assert len(ehr.seen) == 3


def test_links_that_go_round_in_a_circle_stop(frozen_now: Callable[[str], datetime]) -> None:
    frozen_now(NOW)
    ehr = PagingEhr(last_link=f"{BASE}?_getpages=abc&_offset=10")

    schedules = read_schedules(client(ehr))

    assert len(ehr.seen) == 3
    # The second page came round again and was not read twice.
    assert len(schedules) == 30
