"""The one HTTP client for a practice's FHIR server: timeouts, retries, error classes.

Transient failures (no connection, a timeout, 429, 5xx) are retried when a retry
cannot do harm: reads always; writes only when the request never reached the
server (no connection) or the server refused it before work (429, 503). What is
still failing becomes Unavailable, which the agent turns into a callback. A 409 is
ConflictAnswer: someone took the slot first.

After a read has failed through all its retries, further requests fail at once for
FAIL_FAST: a caller on the phone should hear about the callback in one turn, not wait
out a timeout for every search the agent tries.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, NotFound, Unavailable
from referraldesk.logging import get_logger

log = get_logger(__name__)

Resource = dict[str, Any]
FHIR_JSON = "application/fhir+json"
_REFUSED_BEFORE_WORK = (429, 503)
FAIL_FAST = timedelta(seconds=30)


class ConflictAnswer(Exception):
    """The server answered 409: the slot (or the appointment) changed under us."""

    def __init__(self, diagnostics: str):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics


class FhirHttp:
    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout_seconds: float = 5.0,
        retries: int = 2,
        backoff_seconds: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self._down_until: datetime | None = None
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout_seconds,
            transport=transport,
            headers={"Accept": FHIR_JSON},
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Any = None) -> Resource:
        return self._send("GET", path, params=params, safe=True)

    def get_next_page(self, url: str) -> Resource:
        """A search Bundle's `next` link, followed only on the server's own base URL:
        our credentials go nowhere else."""
        base = httpx.URL(self.base_url + "/")
        target = base.join(url)
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port) or (
            not (target.path + "/").startswith(base.path)
        ):
            raise Unavailable(
                f"the practice calendar at {self.base_url} sent a next page on another server; "
                "its paging is not followed there"
            )
        return self._send("GET", str(target), safe=True)

    def post(self, path: str, body: Resource, *, headers: dict[str, str] | None = None) -> Resource:
        return self._send("POST", path, json=body, headers=headers, safe=False)

    def put(self, path: str, body: Resource) -> Resource:
        # PUT of the same resource is idempotent: safe to send again.
        return self._send("PUT", path, json=body, safe=True)

    def _send(self, method: str, path: str, *, safe: bool, **kwargs: Any) -> Resource:
        if self._down_until is not None and now() < self._down_until:
            raise self._unavailable(method, path, "failed moments ago")
        attempt = 0
        while True:
            try:
                response = self._client.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure: str = type(exc).__name__
            except httpx.HTTPError as exc:
                # Sent and not answered: a write may or may not have happened.
                if not safe:
                    raise self._unavailable(method, path, type(exc).__name__) from None
                failure = type(exc).__name__
            else:
                if response.status_code < 400:
                    self._down_until = None
                    return _json(response)
                retryable = response.status_code in _REFUSED_BEFORE_WORK or (
                    safe and response.status_code >= 500
                )
                if not retryable:
                    raise _refusal(method, path, response)
                failure = f"HTTP {response.status_code}"
            if attempt >= self.retries:
                if safe:
                    self._down_until = now() + FAIL_FAST
                raise self._unavailable(method, path, failure)
            attempt += 1
            log.info(
                "fhir_retry",
                method=method,
                path=_resource_path(path),
                attempt=attempt,
                failure=failure,
            )
            if self.backoff_seconds:
                time.sleep(self.backoff_seconds * attempt)

    def _unavailable(self, method: str, path: str, failure: str) -> Unavailable:
        log.warning("fhir_unavailable", method=method, path=_resource_path(path), failure=failure)
        return Unavailable(
            f"the practice calendar at {self.base_url} did not answer ({failure})",
            hint="Offer the caller a callback from staff; do not promise a time.",
        )


def _refusal(method: str, path: str, response: httpx.Response) -> Exception:
    text = _diagnostics(response)
    if response.status_code == 409:
        return ConflictAnswer(text)
    if response.status_code == 404:
        return NotFound(f"the practice calendar has no {_resource_path(path)}: {text}")
    if response.status_code in (401, 403):
        log.warning("fhir_refused_credentials", status=response.status_code)
        return Unavailable(
            f"the practice calendar refused our credentials ({response.status_code}); "
            "check the scheduling auth in the practice config",
            hint="Offer the caller a callback from staff.",
        )
    if response.status_code >= 500:
        return Unavailable(f"the practice calendar failed ({response.status_code}): {text}")
    return InvalidArgument(f"the practice calendar refused {method} {_resource_path(path)}: {text}")


def _json(response: httpx.Response) -> Resource:
    try:
        body = response.json()
    except ValueError:
        raise Unavailable(
            "the practice calendar answered with something that is not JSON"
        ) from None
    if not isinstance(body, dict):
        raise Unavailable("the practice calendar answered with something that is not a resource")
    return body


def _diagnostics(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    issues = body.get("issue") if isinstance(body, dict) else None
    texts = [str(i.get("diagnostics")) for i in issues or [] if isinstance(i, dict)]
    return "; ".join(texts) or f"HTTP {response.status_code}"


def _resource_path(path: str) -> str:
    """The resource type and operation only: ids in paths are not for logs."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    return "/".join(part for part in parts if part[:1].isupper() or part.startswith("$"))
