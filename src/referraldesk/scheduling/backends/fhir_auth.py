"""Credentials for the practice's FHIR server: a plain bearer token, or SMART backend
services (a JWT signed with our private key, exchanged for a short-lived token).

Secrets never sit in the practice YAML: it names the environment variable that
holds a token, or the file that holds the private key.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path

import httpx
import jwt

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, Unavailable
from referraldesk.logging import get_logger
from referraldesk.practice.schema import BearerAuthConfig, SmartBackendAuthConfig

log = get_logger(__name__)

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# SMART asks for assertions that expire within five minutes.
ASSERTION_LIFETIME = timedelta(minutes=5)
# Renew this long before the server's expiry, so a request never carries a stale token.
RENEW_EARLY = timedelta(seconds=60)


class BearerAuth(httpx.Auth):
    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class SmartBackendAuth(httpx.Auth):
    """client_credentials with a signed JWT assertion; the token is cached until near expiry."""

    def __init__(
        self,
        config: SmartBackendAuthConfig,
        private_key: str,
        *,
        timeout_seconds: float,
        transport: httpx.BaseTransport | None = None,
    ):
        self.config = config
        self._key = private_key
        self._timeout = timeout_seconds
        self._transport = transport
        self._token: str | None = None
        self._expires_at = now()

    def assertion(self) -> str:
        """The signed JWT: we are both issuer and subject, the token endpoint the audience."""
        issued = now()
        claims = {
            "iss": self.config.client_id,
            "sub": self.config.client_id,
            "aud": self.config.token_url,
            "jti": uuid.uuid4().hex,
            "iat": int(issued.timestamp()),
            "exp": int((issued + ASSERTION_LIFETIME).timestamp()),
        }
        headers = {"typ": "JWT", **({"kid": self.config.kid} if self.config.kid else {})}
        return jwt.encode(claims, self._key, algorithm=self.config.algorithm, headers=headers)

    def access_token(self, *, renew: bool = False) -> str:
        if self._token and not renew and now() < self._expires_at - RENEW_EARLY:
            return self._token
        form = {
            "grant_type": "client_credentials",
            "scope": self.config.scope,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
                response = client.post(self.config.token_url, data=form)
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"the token endpoint did not answer ({type(exc).__name__})", field="auth"
            ) from None
        body = _token_body(response)
        self._token = str(body["access_token"])
        lifetime = body.get("expires_in")
        seconds = int(lifetime) if isinstance(lifetime, (int, float, str)) else 300
        self._expires_at = now() + timedelta(seconds=seconds)
        log.info("fhir_token_obtained", expires_in=body.get("expires_in"))
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.access_token()}"
        response = yield request
        # A token revoked early: one fresh token, one more try.
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.access_token(renew=True)}"
            yield request


def _token_body(response: httpx.Response) -> dict[str, object]:
    if response.status_code >= 500:
        raise Unavailable(f"the token endpoint answered {response.status_code}", field="auth")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        error = body.get("error") if isinstance(body, dict) else None
        # Our credentials were refused: a person must fix the set-up; the caller gets a callback.
        raise Unavailable(
            f"the token endpoint refused our client ({response.status_code} {error or ''}); "
            "check client_id, the registered key and kid",
            field="auth",
        )
    return body


def auth_from_config(
    config: BearerAuthConfig | SmartBackendAuthConfig | None,
    *,
    timeout_seconds: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Auth | None:
    """Build the auth the config names, reading its secret from the environment or a file."""
    if config is None:
        return None
    if isinstance(config, BearerAuthConfig):
        token = os.environ.get(config.token_env)
        if not token:
            raise InvalidArgument(
                f"scheduling auth: environment variable {config.token_env} is empty; "
                "set it to the FHIR server's bearer token",
                field="policy.scheduling.auth.token_env",
            )
        return BearerAuth(token)
    path = Path(config.private_key_path).expanduser()
    try:
        key = path.read_text()
    except OSError as exc:
        raise InvalidArgument(
            f"scheduling auth: cannot read private_key_path {path} ({exc.strerror})",
            field="policy.scheduling.auth.private_key_path",
        ) from None
    return SmartBackendAuth(config, key, timeout_seconds=timeout_seconds, transport=transport)
