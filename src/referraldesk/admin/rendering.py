"""Rendering dashboard pages: one Jinja environment, the layout's context, security headers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from referraldesk.admin import access
from referraldesk.admin.deps import CSRF_FIELD, Viewer
from referraldesk.admin.filters import FILTERS
from referraldesk.settings import get_settings

_environment = Environment(
    loader=PackageLoader("referraldesk.admin", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(FILTERS)
templates = Jinja2Templates(env=_environment)

# Pages show patient data: no caching anywhere, no framing, nothing from other origins.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
NO_STORE = {"Cache-Control": "no-store"}
# Past the server's idle limit, so the reload finds the session already ended.
IDLE_GRACE_SECONDS = 5


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    page: str | None = None,
) -> Response:
    """Render `template` inside the layout; `viewer` None for the sign-in and error pages."""
    full = {
        "viewer": viewer,
        "nav": access.pages_for(viewer.role) if viewer else [],
        "current": page,
        "csrf_field": CSRF_FIELD,
        "zone": viewer.zone if viewer else "America/Los_Angeles",
        # A page left open takes itself away once the session is idle-ended: patient
        # data does not stay on an unattended screen (the reload lands on sign-in).
        "leave_after_seconds": get_settings().admin_idle_timeout_seconds + IDLE_GRACE_SECONDS,
        **context,
    }
    return templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=NO_STORE
    )
