"""Typed dependencies for routes: the session, the caller's identity and role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from referraldesk.api.overload import admitted
from referraldesk.audit.trail import Actor
from referraldesk.auth.tokens import authenticate
from referraldesk.errors import Forbidden, Unauthenticated


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: commit when the route returns, else roll back.

    An async dependency on purpose: FastAPI runs a sync one's teardown in the same
    thread pool as the routes, so under a burst every pool thread can be a route
    waiting for a lock that a finished request still holds, while that request
    waits for a thread to commit it: a deadlock. Here the commit runs on the event
    loop, which is never exhausted; it blocks it only for the commit itself.
    """
    async with admitted(request):
        session = request.app.state.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


# scope="function": commit before the response is sent. With the default ("request")
# the commit ran after it, so a client acting on the answer at once (the next chat
# message, on another web instance) could find nothing yet, and a failed commit
# left a client holding a success for something never stored.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def require_roles(*roles: str) -> Callable[..., Actor]:
    """A dependency that admits a bearer token whose role is one of `roles`.

    admin is always admitted.
    """
    allowed = {*roles, "admin"}

    def dependency(request: Request, session: DbSession) -> Actor:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise Unauthenticated("send Authorization: Bearer <token> (referraldesk token create)")
        token = authenticate(session, secret.strip())
        if token.role not in allowed:
            raise Forbidden(
                f"a token with role {token.role!r} may not use this route; "
                f"it needs one of: {', '.join(sorted(allowed))}"
            )
        return Actor(name=f"{token.role}:{token.name}", role=token.role,
                     source_address=client_address(request))

    return dependency
