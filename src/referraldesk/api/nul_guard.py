"""Refuse a NUL character in a request's address or JSON body before any route reads it.

PostgreSQL cannot store a NUL in text: psycopg refuses the whole query (DataError),
which was a 500 with the statement's parameters in the log. No id, search value or
JSON field of ours ever holds one, so a NUL in the path (`%00`), in the query string
or in a JSON body is refused here, with a 422 in the shape its door speaks: the API's
error JSON, an OperationOutcome under /fhir, the dashboard's error page under /admin.

Dashboard forms are checked where they are read (`admin.deps.form_values`), so each
form keeps its own page. HL7 bodies are left to their door, which answers every
message with an ACK; form, multipart and PDF bodies are not read here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referraldesk.scheduling.fhir.resources import outcome

NUL = "\x00"
FHIR_PREFIX = "/fhir"
# A page for refusals on one prefix (the dashboard's): the request's scope, the
# message, the field named.
PageRefusal = Callable[[Scope, str, str | None], Response]
# The longest address repeated in a refusal; the rest is cut.
SHOWN_PATH_CHARS = 200


class NulGuard:
    def __init__(self, app: ASGIApp, *, pages: Mapping[str, PageRefusal] | None = None) -> None:
        self.app = app
        # Prefixes answered with a page of their own instead of JSON; their bodies
        # are forms, checked where they are read.
        self.pages = dict(pages or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = nul_in_address(scope)
        if problem is not None and scope["type"] == "websocket":
            # Closed before it is accepted: the handshake gets an HTTP 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        if problem is None and scope["type"] == "http" and self._reads_json(scope):
            body, receive = await _buffered(receive)
            problem = nul_in_json(body)
        if problem is None:
            await self.app(scope, receive, send)
            return
        message, field = problem
        await self._refusal(scope, message, field)(scope, receive, send)

    def _reads_json(self, scope: Scope) -> bool:
        if self._page_for(scope["path"]) is not None:
            return False
        content_type = _header(scope, b"content-type").split(";", 1)[0].strip().lower()
        return content_type == "application/json" or content_type.endswith("+json")

    def _refusal(self, scope: Scope, message: str, field: str) -> Response:
        page = self._page_for(scope["path"])
        if page is not None:
            return page(scope, message, field)
        return refusal_response(scope["path"], 422, message, field)

    def _page_for(self, path: str) -> PageRefusal | None:
        for prefix, page in self.pages.items():
            if path == prefix or path.startswith(prefix + "/"):
                return page
        return None


def refusal_response(path: str, status: int, message: str, field: str | None) -> Response:
    """A refusal in the shape of the door at `path`: OperationOutcome under /fhir, else
    the API's error JSON."""
    if path == FHIR_PREFIX or path.startswith(FHIR_PREFIX + "/"):
        return JSONResponse(outcome("invalid", message, error_code="invalid_argument"),
                            status_code=status, media_type="application/fhir+json")
    error: dict[str, Any] = {"code": "invalid_argument", "message": message}
    if field:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status)


def nul_in_address(scope: Scope) -> tuple[str, str] | None:
    """(message, field) for the first NUL in the path or the query string, else None."""
    path: str = scope.get("path", "")
    if NUL in path:
        shown = _shown(path)[:SHOWN_PATH_CHARS]
        return (f"the address {shown} holds a NUL character (%00), which no id or name "
                "here contains; check the link", "path")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            field = _shown(name)
            return (f"{field}: holds a NUL character (%00), which no value here takes; "
                    "remove it and send again", field)
    return None


def nul_in_json(body: bytes) -> tuple[str, str] | None:
    """(message, field) for the first string or key of a JSON body holding a NUL."""
    # JSON writes NUL only as the escape \u0000 (a raw one is malformed JSON, which
    # the route refuses in its own words): nearly every body stops at this test.
    if b"\\u0000" not in body:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    where = _first_nul(document)
    if where is None:
        return None  # an escaped backslash before "u0000": plain text, no NUL
    return (f"{where} holds a NUL character (\\u0000); control or invisible characters "
            "are not taken in any field, so remove it and send again", where)


def _first_nul(document: Any) -> str | None:
    """Where the first NUL is ("patient.names[0]"; "body" for the whole), or None.

    A stack rather than recursion: the body may nest as deep as the parser allowed.
    """
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str) and NUL in value:
            return where or "body"
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if NUL in key:
                    return _joined(where, _shown(key, escape="\\u0000"))
                pending.append((_joined(where, key), item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]", item)
                           for index, item in reversed(list(enumerate(value))))
    return None


def _joined(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _shown(text: str, escape: str = "%00") -> str:
    return text.replace(NUL, escape)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that hands it to the app as if unread."""
    chunks: list[bytes] = []
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return b"".join(chunks), replay
