"""Signing in and out of the dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from referraldesk.admin import access
from referraldesk.admin.deps import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    DbSession,
    FormExpired,
    Viewer,
    client_address,
    require,
    signed_in,
)
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.auth import sessions, users
from referraldesk.channels.ratelimit import RateLimit
from referraldesk.errors import Unauthenticated
from referraldesk.settings import get_settings

router = APIRouter()

# Per client address: enough for a shared front-desk computer, too few to guess with.
SIGN_IN_LIMIT = RateLimit("admin_sign_in", limit=10, window_seconds=300)
ENDED_NOTES = {
    "idle": "You were signed out after a while without activity.",
    "expired": "Your session reached its 12-hour limit.",
    "deactivated": "This dashboard user is deactivated.",
    "signed_out": "You are signed out.",
}


def safe_next(target: str | None) -> str | None:
    """Only a dashboard path may follow sign-in: never another site (an open redirect)."""
    if not target or not target.startswith("/admin/") or target.startswith("//"):
        return None
    if "\\" in target or target.startswith("/admin/login"):
        return None
    return target


def _cookie_options() -> dict[str, object]:
    secure = get_settings().public_url.lower().startswith("https://")
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/admin"}


def _sign_in_page(
    request: Request, *, next_path: str | None, note: str | None, error: str | None,
    email: str = "", status_code: int = 200,
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or sessions.new_login_nonce()
    context = {
        "login_token": sessions.login_form_token(nonce),
        "next_path": next_path or "",
        "note": note,
        "error": error,
        "email": email,
    }
    response = render(request, "login.html", context, status_code=status_code)
    response.set_cookie(LOGIN_COOKIE, nonce, **_cookie_options())  # type: ignore[arg-type]
    return response


@router.get("/")
def home(viewer: Annotated[Viewer, Depends(signed_in)]) -> Response:
    return RedirectResponse(access.home_for(viewer.role), status_code=303)


@router.get("/login")
def sign_in_form(
    request: Request, next: str | None = None, ended: str | None = None
) -> Response:
    return _sign_in_page(request, next_path=safe_next(next), note=ENDED_NOTES.get(ended or ""),
                         error=None)


@router.post("/login")
def sign_in(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not sessions.login_token_matches(request.cookies.get(LOGIN_COOKIE), csrf_token):
        raise FormExpired("the sign-in form is out of date or was not sent from this site; "
                        "reload the sign-in page and try again")
    SIGN_IN_LIMIT.hit(session, client_address(request))
    try:
        user = users.authenticate_user(session, email, password)
    except Unauthenticated as exc:
        trail.record(session, Actor("anonymous", "none", client_address(request)), "login_failed",
                     "dashboard_user", reason="sign-in refused")
        return _sign_in_page(request, next_path=safe_next(next), note=None, error=exc.message,
                             email=email, status_code=401)

    secret = sessions.start_session(session, user, source_address=client_address(request))
    actor = Actor(f"staff:{user.email}", user.role, client_address(request))
    trail.record(session, actor, "login", "dashboard_user", user.id)
    response = RedirectResponse(safe_next(next) or access.home_for(user.role), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, **_cookie_options())  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


@router.post("/logout")
def sign_out(
    request: Request, session: DbSession, viewer: Annotated[Viewer, Depends(require(None))]
) -> Response:
    sessions.end_session(session, request.cookies.get(SESSION_COOKIE))
    trail.record(session, viewer.actor, "logout", "dashboard_user", viewer.signed.user_id)
    response = RedirectResponse("/admin/login?ended=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response
