"""What every dashboard route depends on: the request's session, who is signed in, CSRF.

The dashboard is mounted inside the product's app (see `app.py`); the root app's
session factory is reached through the scope, so tests that build the app on their
own engine get a dashboard on that engine too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.admin import access
from referraldesk.api.overload import admitted
from referraldesk.audit.trail import Actor
from referraldesk.auth.sessions import SignedIn, resume_session, same_token
from referraldesk.errors import Forbidden, InvalidArgument
from referraldesk.models import Practice

ROOT_APP = "referraldesk.root_app"
SESSION_COOKIE = "rd_admin"
LOGIN_COOKIE = "rd_admin_login"
CSRF_FIELD = "csrf_token"
DEFAULT_ZONE = "America/Los_Angeles"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: commit when the route returns, else roll back.

    Under the API's database limit, counted on the root app (see api/deps.py).
    """
    root = request.scope[ROOT_APP]
    async with admitted(request, app=root):
        factory: Any = root.state.session_factory
        session: Session = factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


# Commit before the response goes out (see api/deps.py): a sign-in's redirect may
# land on another web instance, which must already see the new session row.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


class FormExpired(Forbidden):
    """A POST without this session's CSRF token: an old tab, or a form from another site."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as pages see them, with the actor their changes are recorded as."""

    signed: SignedIn
    actor: Actor
    zone: str

    @property
    def role(self) -> str:
        return self.signed.role

    @property
    def email(self) -> str:
        return self.signed.email

    @property
    def csrf_token(self) -> str:
        return self.signed.csrf_token

    def may(self, page: str, action: str = "view") -> bool:
        return access.may(self.role, page, action)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def practice_zone(session: Session) -> str:
    return session.scalar(select(Practice.timezone).order_by(Practice.id).limit(1)) or DEFAULT_ZONE


def signed_in(request: Request, session: DbSession) -> Viewer:
    """The user behind the session cookie; SessionEnded sends the browser to sign in."""
    signed = resume_session(session, request.cookies.get(SESSION_COOKIE))
    actor = Actor(name=f"staff:{signed.email}", role=signed.role,
                  source_address=client_address(request))
    return Viewer(signed, actor, practice_zone(session))


async def _form_token(request: Request) -> str | None:
    if request.method != "POST":
        return None
    form = await request.form()
    token = form.get(CSRF_FIELD)
    return token if isinstance(token, str) else None


async def form_values(request: Request) -> dict[str, str]:
    """The text fields of a posted form (files left out); a NUL in any is refused."""
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    _refuse_nul(values)
    return values


def _refuse_nul(values: dict[str, str]) -> None:
    # PostgreSQL cannot store a NUL in text, and no keyboard types one: such a post
    # comes from a script, and is refused before any of it reaches a query.
    for key, value in values.items():
        if "\x00" in key or "\x00" in value:
            field = key.replace("\x00", "%00")
            raise InvalidArgument(
                f"{field}: holds a NUL character (%00), which no field takes; remove it "
                "and send the form again",
                field=field,
            )


def require(page: str | None, action: str = "view") -> Callable[..., Viewer]:
    """A dependency admitting a signed-in user whose role may `action` on `page`
    (any signed-in user when `page` is None).

    Every POST must also carry the session's CSRF token in its form.
    """

    def dependency(
        request: Request,
        viewer: Annotated[Viewer, Depends(signed_in)],
        token: Annotated[str | None, Depends(_form_token)],
    ) -> Viewer:
        if request.method == "POST" and not same_token(viewer.csrf_token, token):
            raise FormExpired(
                "this form expired or was not sent from this dashboard (its security "
                "token is missing or out of date); reload the page and try again"
            )
        if page is not None and not viewer.may(page, action):
            verb = "see" if action == "view" else "change"
            raise Forbidden(
                f"the {viewer.role} role may not {verb} {access.BY_KEY[page].label}; "
                "ask an administrator if you need it"
            )
        return viewer

    return dependency
