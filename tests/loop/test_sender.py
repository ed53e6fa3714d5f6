"""Delivering the outbox: acknowledged, retried with back-off, or failed for a person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session
from tests.outreach.support import (
    STAFF,
    FakeMllp,
    book_first_slot,
    outbox,
    refer,
    register,
    segment,
)

from referraldesk.loop.consult import mark_letter_sent
from referraldesk.loop.sender import backoff, send_due
from referraldesk.loop.transports import FhirTransport, HttpHl7Transport, MllpTransport

Freeze = Callable[[datetime | str], datetime]
NOW = "2026-07-15T17:00:00+00:00"


def mllp(listener: FakeMllp) -> dict[str, MllpTransport]:
    return {"hl7_mllp": MllpTransport(connect=listener)}


def test_the_back_off_doubles_from_five_minutes_up_to_twelve_hours() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert backoff(20) == timedelta(hours=12)


def test_an_application_error_is_retried_later_until_acknowledged(
    session: Session, frozen_now: Freeze
) -> None:
    start = frozen_now(NOW)
    referral = refer(session, register(session))
    [message] = outbox(session, referral.id)
    listener = FakeMllp(codes=["AE", "AE", "AA"])

    first = send_due(session, transports=mllp(listener))
    early = send_due(session, now=start + timedelta(minutes=4), transports=mllp(listener))
    second = send_due(session, now=start + timedelta(minutes=5), transports=mllp(listener))
    third = send_due(session, now=start + timedelta(minutes=15), transports=mllp(listener))

    assert (first.retrying, early.retrying, second.retrying, third.acked) == (
        [message.id],
        [],
        [message.id],
        [message.id],
    )
    assert (message.status, message.attempts) == ("acked", 3)
    assert message.acked_at == start + timedelta(minutes=15)
    assert len(set(listener.received)) == 1  # the very same bytes each time


def test_a_rejected_message_fails_for_a_person_to_look_at(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session))

    report = send_due(session, transports=mllp(FakeMllp(codes=["AR"])))

    [message] = outbox(session, referral.id)
    assert report.failed == [message.id]
    assert (message.status, message.last_error) == (
        "failed",
        "the receiver rejected the message (MSA-1 AR)",
    )


def test_a_later_message_waits_while_an_earlier_one_is_pending(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session))
    book_first_slot(session, referral)
    listener = FakeMllp(codes=["AE"])

    report = send_due(session, transports=mllp(listener))

    accepted, scheduled = outbox(session, referral.id)
    assert (report.retrying, report.waiting) == ([accepted.id], [scheduled.id])
    assert [segment(m, "MSH")[8] for m in listener.received] == ["RRI^I12^RRI_I12"]


def test_a_broken_connection_is_retried(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session))

    def refuse(address: tuple[str, int], timeout: float) -> object:
        raise ConnectionRefusedError(address)

    send_due(session, transports={"hl7_mllp": MllpTransport(connect=refuse)})  # type: ignore[arg-type]

    [message] = outbox(session, referral.id)
    assert (message.status, message.last_error) == (
        "pending",
        "MLLP connection failed: ConnectionRefusedError",
    )


def test_hl7_over_http_takes_the_ack_from_the_response(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice="Exeter Medical Group")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        control_id = segment(request.content.decode(), "MSH")[9]
        return httpx.Response(200, text=f"MSH|^~\\&|EMG||||||ACK|1|P|2.5.1\rMSA|AA|{control_id}\r")

    client = httpx.Client(transport=httpx.MockTransport(answer))
    report = send_due(session, transports={"hl7_http": HttpHl7Transport(client)})

    [message] = outbox(session, referral.id)
    assert report.acked == [message.id]
    assert str(seen[0].url) == "https://interfaces.exetermedicalgroup.example/hl7"
    assert seen[0].headers["content-type"].startswith("x-application/hl7-v2+er7")


def test_a_fhir_task_is_put_to_the_referrers_server(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice="Tulare Community Health")
    calls: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, str(request.url)))
        return httpx.Response(503) if len(calls) == 1 else httpx.Response(200, json={})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    first = send_due(session, transports={"fhir": FhirTransport(client)})
    second = send_due(
        session,
        now=datetime.fromisoformat(NOW) + timedelta(minutes=5),
        transports={"fhir": FhirTransport(client)},
    )

    [message] = outbox(session, referral.id)
    assert (first.retrying, second.acked) == ([message.id], [message.id])
    assert (
        calls == [("PUT", f"https://fhir.tularecommunityhealth.example/r4/Task/{referral.id}")] * 2
    )


def test_a_fax_letter_is_never_sent_by_the_job_but_marked_by_staff(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice="Mineral King Family Practice")

    report = send_due(session, transports={})
    [letter] = outbox(session, referral.id)
    mark_letter_sent(session, STAFF, letter.id)

    assert report.acked == report.retrying == report.failed == []
    assert (letter.status, letter.attempts) == ("sent", 1)
