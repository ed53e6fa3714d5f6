"""What the FHIR client retries, and what it turns each failure into."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest

from referraldesk.errors import InvalidArgument, Unavailable
from referraldesk.scheduling.backends.fhir_http import ConflictAnswer, FhirHttp


def _server(*answers: int | type[Exception]) -> tuple[FhirHttp, list[str]]:
    """A server answering each request with the next status (or raising the next error)."""
    seen: list[str] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        answer = queue.pop(0)
        if isinstance(answer, type):
            raise answer("no answer", request=request)
        body = {"resourceType": "OperationOutcome", "issue": [{"diagnostics": "slot gone"}]}
        return httpx.Response(answer, json=body if answer >= 400 else {"resourceType": "Bundle"})

    http = FhirHttp(
        "https://ehr.example/fhir",
        transport=httpx.MockTransport(handle),
        retries=2,
        backoff_seconds=0,
    )
    return http, seen


def test_a_read_is_retried_through_5xx_and_timeouts() -> None:
    http, seen = _server(503, httpx.ReadTimeout, 200)

    answer = http.get("Slot")

    assert answer == {"resourceType": "Bundle"}
    assert seen == ["GET", "GET", "GET"]


def test_a_read_that_keeps_failing_becomes_unavailable() -> None:
    http, seen = _server(500, 502, 504)

    with pytest.raises(Unavailable, match=r"did not answer \(HTTP 504\)"):
        http.get("Slot")
    assert len(seen) == 3


def test_a_booking_is_retried_only_when_the_server_never_got_it() -> None:
    refused_first, seen_refused = _server(httpx.ConnectError, 503, 201)
    lost_answer, seen_lost = _server(httpx.ReadTimeout, 201)
    failed, seen_failed = _server(500, 201)

    assert refused_first.post("Appointment/$book", {}) == {"resourceType": "Bundle"}
    with pytest.raises(Unavailable):
        lost_answer.post("Appointment/$book", {})
    with pytest.raises(Unavailable):
        failed.post("Appointment/$book", {})
    assert (len(seen_refused), len(seen_lost), len(seen_failed)) == (3, 1, 1)


def test_409_is_a_conflict_and_other_4xx_name_the_servers_reason() -> None:
    conflict, _ = _server(409)
    invalid, _ = _server(422)

    with pytest.raises(ConflictAnswer, match="slot gone"):
        conflict.post("Appointment/$book", {})
    with pytest.raises(InvalidArgument, match="refused POST Appointment/\\$book: slot gone"):
        invalid.post("Appointment/$book", {})


def test_after_a_read_fails_through_its_retries_the_next_request_fails_at_once(
    frozen_now: Callable[[str], datetime],
) -> None:
    start = frozen_now("2026-04-14T10:05:00-07:00")
    http, seen = _server(503, 503, 503, 200)

    with pytest.raises(Unavailable):
        http.get("Slot")
    with pytest.raises(Unavailable, match="failed moments ago"):
        http.get("Slot")
    frozen_now((start + timedelta(seconds=31)).isoformat())
    answer = http.get("Slot")

    assert len(seen) == 4 and answer == {"resourceType": "Bundle"}
