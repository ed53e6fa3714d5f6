"""The dashboard as an application of its own, mounted at /admin inside the product's app.

A mounted app gets its own error handlers: a browser that is not signed in is sent
to the sign-in page, and every refusal or mistake comes back as a page saying what
went wrong and what to do, never the API's JSON. The root app is remembered in the
scope (`ROOT_APP`) before the mount replaces `scope["app"]`, so the dashboard uses
whatever database the root app was built on.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referraldesk.admin import pages
from referraldesk.admin.deps import ROOT_APP, FormExpired
from referraldesk.admin.rendering import SECURITY_HEADERS, render
from referraldesk.auth.sessions import SessionEnded
from referraldesk.errors import HTTP_STATUS, DomainError, Forbidden, retry_after_headers
from referraldesk.logging import get_logger

log = get_logger(__name__)

PREFIX = "/admin"
INVALID_INPUT = "Some of what was sent is not valid"


def build_dashboard() -> FastAPI:
    dashboard = FastAPI(
        title="referraldesk dashboard", docs_url=None, redoc_url=None, openapi_url=None
    )
    for router in pages.routers():
        dashboard.include_router(router)
    _install_error_pages(dashboard)
    return dashboard


class Mounted:
    """Remembers the root app for the dashboard's routes and adds the security headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault(ROOT_APP, scope.get("app"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name.lower().encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.lower().encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mountable() -> ASGIApp:
    return Mounted(build_dashboard())


def refusal_page(scope: Scope, message: str, field: str | None) -> Response:
    """The 422 page for a dashboard request refused before the dashboard saw it
    (api/nul_guard.py), with the headers `Mounted` would have added."""
    page = _error_page(Request(scope), 422, INVALID_INPUT, message, field)
    page.headers.update(SECURITY_HEADERS)
    return page


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SessionEnded)
    async def sign_in_first(request: Request, exc: SessionEnded) -> Response:
        target = request.url.path if request.method == "GET" else PREFIX + "/"
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        query = f"next={quote(target, safe='')}"
        if exc.reason in ("idle", "expired", "deactivated"):
            query += f"&ended={exc.reason}"
        return RedirectResponse(f"{PREFIX}/login?{query}", status_code=303)

    @app.exception_handler(Forbidden)
    async def refused(request: Request, exc: Forbidden) -> Response:
        return _error_page(request, 403, "Not for this role", exc.message)

    # The most specific handler wins: a missing CSRF token is no question of role.
    @app.exception_handler(FormExpired)
    async def form_expired(request: Request, exc: FormExpired) -> Response:
        return _error_page(request, 403, "This form expired", exc.message)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = HTTP_STATUS.get(exc.code, 400)
        page = _error_page(request, status, "That did not work", exc.message, exc.field)
        page.headers.update(retry_after_headers(status, exc))
        return page

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        lines = [
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query'))}: "
            f"{e.get('msg')}"
            for e in exc.errors()
        ]
        return _error_page(request, 422, INVALID_INPUT, "; ".join(lines))

    @app.exception_handler(DataError)
    async def value_not_stored(request: Request, exc: DataError) -> Response:
        # The database refused a value the page's checks let through. Never log the
        # exception itself: its text carries the statement's parameters (patient data).
        log.warning("database_refused_value", path=request.url.path,
                    error=type(exc.orig).__name__)
        return _error_page(request, 422, INVALID_INPUT,
                           "a value on this form cannot be stored (a character such as NUL, "
                           "or a number or text out of range); nothing was changed, check "
                           "the values and send again")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(request, 404, "No such page",
                               f"there is no dashboard page at {request.url.path}")
        return _error_page(request, exc.status_code, "That did not work", str(exc.detail))


def _error_page(
    request: Request, status: int, title: str, message: str, field: str | None = None
) -> Response:
    context = {"title": title, "message": message, "field": field, "status": status}
    return render(request, "error.html", context, status_code=status)
