"""Typed dependencies for routes: the session, the caller's identity and role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.auth.tokens import authenticate
from referraldesk.errors import Forbidden, Unauthenticated


def get_session(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit when the route returns, else roll back."""
    session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session)]


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
