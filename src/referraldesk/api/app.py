"""The web application: API, webhooks, chat page and dashboard in one ASGI app."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from referraldesk import __version__
from referraldesk.admin.app import PREFIX as DASHBOARD_PREFIX
from referraldesk.admin.app import refusal_page
from referraldesk.api import routes
from referraldesk.api.limits import BodySizeLimit
from referraldesk.api.nul_guard import NulGuard, refusal_response
from referraldesk.api.overload import install_overload_handlers
from referraldesk.api.routes.intake_pdf import PDF_UPLOAD_PATHS
from referraldesk.api.security_headers import SecurityHeaders
from referraldesk.db.session import get_engine, session_factory
from referraldesk.errors import HTTP_STATUS, DomainError, retry_after_headers
from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

VALUE_NOT_STORED = ("a value sent cannot be stored (a character such as NUL, or a number or "
                    "text out of range); nothing was changed, check the values and send again")


def create_app(engine: Engine | None = None) -> FastAPI:
    app = FastAPI(
        title="referraldesk",
        version=__version__,
        description="A bilingual AI front desk that closes the loop on specialist referrals.",
        # Served by routes/api_docs.py from this server's own files, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    settings = get_settings()
    # Innermost of the three: it reads JSON bodies the size limit has already let in.
    app.add_middleware(NulGuard, pages={DASHBOARD_PREFIX: refusal_page})
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes,
                       larger=dict.fromkeys(PDF_UPLOAD_PATHS, settings.max_pdf_bytes))
    # Outermost, so a refusal by any inner layer carries the headers too.
    app.add_middleware(SecurityHeaders, https=_is_https(get_settings().public_url))
    app.state.engine = engine or get_engine()
    app.state.session_factory = session_factory(app.state.engine)
    _install_error_handlers(app)
    install_overload_handlers(app)
    app.get("/healthz", tags=["health"])(healthz)
    for module_info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{module_info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    return app


def _is_https(public_url: str) -> bool:
    return public_url.lower().startswith("https://")


def healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # reported, not raised: a health check must answer
        log.warning("healthz_database_unreachable", error=type(exc).__name__)
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        status = HTTP_STATUS.get(exc.code, 400)
        return JSONResponse({"error": exc.as_dict()}, status_code=status,
                            headers=retry_after_headers(status, exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        field = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or None
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}"
            for e in problems
        )
        return JSONResponse(
            {"error": {"code": "invalid_argument", "message": message, "field": field}},
            status_code=422,
        )

    @app.exception_handler(DataError)
    async def value_not_stored(request: Request, exc: DataError) -> Response:
        # The database refused a value (a NUL past the doors' checks, a number out of
        # range): bad input, not a failure. Never log the exception itself: its text
        # carries the statement's parameters, patient data among them.
        log.warning("database_refused_value", path=request.url.path,
                    error=type(exc.orig).__name__)
        return refusal_response(request.url.path, 422, VALUE_NOT_STORED, None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "invalid_argument", 401: "unauthenticated",
                403: "forbidden"}.get(exc.status_code, "invalid_argument")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}},
                            status_code=exc.status_code)
