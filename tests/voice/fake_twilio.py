"""Twilio's REST API as a test sees it: the twilio library's HttpClient seam, no network."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from twilio.http import HttpClient
from twilio.http.response import Response


@dataclass
class Sent:
    method: str
    url: str
    data: dict[str, Any]


@dataclass
class FakeTwilio(HttpClient):  # type: ignore[misc]
    """Answers every request with `status` and a call resource; keeps what was sent."""

    status: int = 201
    call_sid: str = "CA" + "f" * 32
    sent: list[Sent] = field(default_factory=list)
    raises: Exception | None = None

    def __post_init__(self) -> None:
        import logging

        super().__init__(logging.getLogger("tests.fake_twilio"), is_async=False, timeout=None)

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.sent.append(Sent(method, uri, dict(data or {})))
        if self.raises is not None:
            raise self.raises
        if self.status >= 400:
            body = {"code": 21211, "message": "refused", "status": self.status}
            return Response(self.status, json.dumps(body))
        return Response(self.status, json.dumps({"sid": self.call_sid, "status": "queued"}))
