"""The outbound clients to referring practices: HL7 over MLLP, HL7 over HTTP, FHIR REST.

Each returns a `Delivery` that classifies the result where it happens:
- `acked`: the practice took the message (MSA-1 AA/CA echoing our MSH-10; a 2xx
  for a FHIR Task);
- `retry`: worth trying again later (no connection, a timeout, a 5xx, MSA-1 AE/CE:
  the receiver had an application error);
- `failed`: retrying the same bytes cannot help (MSA-1 AR/CR, a FHIR 4xx); a person
  must look.

Test seams: `MllpTransport(connect=...)` takes the socket factory, and the HTTP and
FHIR transports take an `httpx.Client` (built with `httpx.MockTransport` in tests).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from referraldesk.intake.hl7.framing import END_BLOCK, decode, frame, unframe
from referraldesk.loop.hl7 import ack_code

ACKED = "acked"
RETRY = "retry"
FAILED = "failed"
TIMEOUT_SECONDS = 10.0
MAX_ACK_BYTES = 1_000_000
HL7_CONTENT_TYPE = "x-application/hl7-v2+er7; charset=utf-8"
FHIR_CONTENT_TYPE = "application/fhir+json"

Connect = Callable[[tuple[str, int], float], socket.socket]


@dataclass(frozen=True)
class Delivery:
    """`outcome` acked | retry | failed, with a short detail for `last_error` (no PHI)."""

    outcome: str
    detail: str | None = None


class Sendable(Protocol):
    """What a transport sends: an outbox row or a schedule-feed row."""

    @property
    def payload(self) -> str: ...

    @property
    def control_id(self) -> str: ...


class Transport(Protocol):
    def deliver(self, message: Sendable, endpoint: str) -> Delivery:
        """Send `message.payload` to `endpoint` and judge the answer."""
        ...


def judge_ack(reply: str, control_id: str) -> Delivery:
    """Judge an HL7 ACK against the message it should acknowledge."""
    code, acknowledged = ack_code(reply)
    if code in ("AA", "CA"):
        if acknowledged and acknowledged != control_id:
            return Delivery(RETRY, f"ACK names message {acknowledged!r}, not {control_id!r}")
        return Delivery(ACKED)
    if code in ("AR", "CR"):
        return Delivery(FAILED, f"the receiver rejected the message (MSA-1 {code})")
    if code in ("AE", "CE"):
        return Delivery(RETRY, f"the receiver reported an application error (MSA-1 {code})")
    return Delivery(RETRY, "the answer had no MSA segment")


class MllpTransport:
    """HL7 v2 over MLLP: one connection per message, the ACK read from the same socket."""

    def __init__(self, connect: Connect | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        self._connect = connect or _tcp_connect
        self._timeout = timeout

    def deliver(self, message: Sendable, endpoint: str) -> Delivery:
        address = mllp_address(endpoint)
        if address is None:
            return Delivery(FAILED, f"endpoint {endpoint!r} is not mllp://host:port")
        try:
            with self._connect(address, self._timeout) as conn:
                conn.sendall(frame(message.payload))
                reply = _read_frame(conn)
        except OSError as exc:
            return Delivery(RETRY, f"MLLP connection failed: {type(exc).__name__}")
        if reply is None:
            return Delivery(RETRY, "the connection closed before an ACK arrived")
        return judge_ack(reply, message.control_id)


class HttpHl7Transport:
    """HL7 v2 posted over HTTP(S); the response body is the ACK."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def deliver(self, message: Sendable, endpoint: str) -> Delivery:
        try:
            response = self._client.post(
                endpoint,
                content=message.payload.encode("utf-8"),
                headers={"content-type": HL7_CONTENT_TYPE},
            )
        except httpx.HTTPError as exc:
            return Delivery(RETRY, f"HTTP request failed: {type(exc).__name__}")
        if response.status_code >= 500 or response.status_code in (408, 429):
            return Delivery(RETRY, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            return Delivery(FAILED, f"HTTP {response.status_code}")
        return judge_ack(response.text, message.control_id)


class FhirTransport:
    """A FHIR R4 server: the Task is written with PUT [base]/Task/[id] (update as create)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def deliver(self, message: Sendable, endpoint: str) -> Delivery:
        url = f"{endpoint.rstrip('/')}/Task/{message.control_id}"
        try:
            response = self._client.put(
                url,
                content=message.payload.encode("utf-8"),
                headers={"content-type": FHIR_CONTENT_TYPE, "accept": FHIR_CONTENT_TYPE},
            )
        except httpx.HTTPError as exc:
            return Delivery(RETRY, f"HTTP request failed: {type(exc).__name__}")
        if response.is_success:
            return Delivery(ACKED)
        if response.status_code >= 500 or response.status_code in (408, 429):
            return Delivery(RETRY, f"HTTP {response.status_code}")
        return Delivery(FAILED, f"the FHIR server refused the Task: HTTP {response.status_code}")


def default_transports(client: httpx.Client | None = None) -> dict[str, Transport]:
    """One transport per protocol; `client` is shared by the HTTP ones."""
    http = client or httpx.Client(timeout=TIMEOUT_SECONDS)
    return {
        "hl7_mllp": MllpTransport(),
        "hl7_http": HttpHl7Transport(http),
        "fhir": FhirTransport(http),
    }


def mllp_address(endpoint: str) -> tuple[str, int] | None:
    """("host", port) from "mllp://host:port" (or "host:port"); None when malformed."""
    parts = urlsplit(endpoint if "://" in endpoint else f"mllp://{endpoint}")
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("mllp", "tcp") or not parts.hostname or port is None:
        return None
    return parts.hostname, port


def _tcp_connect(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


def _read_frame(conn: socket.socket) -> str | None:
    buffer = bytearray()
    while len(buffer) < MAX_ACK_BYTES:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        buffer.extend(chunk)
        if END_BLOCK in buffer:
            content = unframe(buffer)
            return decode(content) if content is not None else None
    return None
