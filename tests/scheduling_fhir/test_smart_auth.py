"""SMART backend services: the signed assertion, and the token exchange against a tiny
token endpoint that checks the signature the way an EHR's would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from referraldesk import clock
from referraldesk.errors import InvalidArgument, Unavailable
from referraldesk.practice.schema import BearerAuthConfig, SmartBackendAuthConfig
from referraldesk.scheduling.backends.fhir_auth import (
    CLIENT_ASSERTION_TYPE,
    SmartBackendAuth,
    auth_from_config,
)
from referraldesk.scheduling.backends.fhir_http import FhirHttp

TOKEN_URL = "https://ehr.example/oauth/token"
NOW = "2026-04-14T10:05:00-07:00"


def _keys(algorithm: str) -> tuple[str, object]:
    private = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS384"
        else ec.generate_private_key(ec.SECP384R1())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, private.public_key()


def _config(algorithm: str = "RS384") -> SmartBackendAuthConfig:
    return SmartBackendAuthConfig(
        type="smart_backend",
        client_id="referraldesk-visalia",
        token_url=TOKEN_URL,
        private_key_path="unused",
        kid="key-2026",
        algorithm=algorithm,
    )


class TokenEndpoint:
    """Checks each assertion with the registered public key and hands out tokens."""

    def __init__(self, public_key: object, algorithm: str):
        self.public_key = public_key
        self.algorithm = algorithm
        self.issued: list[str] = []
        self.fhir_headers: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            assert form["grant_type"] == "client_credentials"
            assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
            # Expiry against the practice clock (frozen), not the wall clock.
            claims = jwt.decode(
                form["client_assertion"],
                self.public_key,
                algorithms=[self.algorithm],
                audience=TOKEN_URL,
                options={"verify_exp": False},
            )
            assert claims["exp"] > clock.now().timestamp()
            assert claims["iss"] == claims["sub"] == "referraldesk-visalia"
            self.issued.append(f"token-{len(self.issued) + 1}")
            return httpx.Response(
                200,
                json={"access_token": self.issued[-1], "token_type": "bearer", "expires_in": 300},
            )
        self.fhir_headers.append(request.headers["authorization"])
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_the_assertion_is_signed_for_the_token_endpoint_and_expires_in_five_minutes(
    algorithm: str, frozen_now: Callable[[str], datetime]
) -> None:
    frozen_now(NOW)
    pem, public = _keys(algorithm)

    assertion = SmartBackendAuth(_config(algorithm), pem, timeout_seconds=1).assertion()

    header = jwt.get_unverified_header(assertion)
    claims = jwt.decode(
        assertion, public, algorithms=[algorithm], audience=TOKEN_URL, options={"verify_exp": False}
    )
    assert header["alg"] == algorithm and header["kid"] == "key-2026"
    assert claims["iss"] == claims["sub"] == "referraldesk-visalia"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iat"] == int(datetime.fromisoformat(NOW).timestamp())
    assert len(claims["jti"]) == 32


def test_the_token_is_exchanged_once_reused_and_renewed_near_expiry(
    frozen_now: Callable[[str], datetime],
) -> None:
    start = frozen_now(NOW)
    pem, public = _keys("RS384")
    endpoint = TokenEndpoint(public, "RS384")
    transport = httpx.MockTransport(endpoint)
    auth = SmartBackendAuth(_config(), pem, timeout_seconds=1, transport=transport)
    http = FhirHttp("https://ehr.example/fhir", auth=auth, transport=transport, backoff_seconds=0)

    http.get("Slot")
    http.get("Slot")
    frozen_now((start + timedelta(seconds=250)).isoformat())
    http.get("Slot")

    assert endpoint.issued == ["token-1", "token-2"]
    assert endpoint.fhir_headers == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


def test_a_refused_client_makes_the_calendar_unavailable(
    frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now(NOW)
    pem, _ = _keys("RS384")
    refuse = httpx.MockTransport(
        lambda request: httpx.Response(400, json={"error": "invalid_client"})
    )
    auth = SmartBackendAuth(_config(), pem, timeout_seconds=1, transport=refuse)

    with pytest.raises(Unavailable, match="invalid_client"):
        auth.access_token()


def test_a_bearer_token_comes_from_the_named_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = BearerAuthConfig(type="bearer", token_env="RD_TEST_EHR_TOKEN")
    monkeypatch.delenv("RD_TEST_EHR_TOKEN", raising=False)

    with pytest.raises(InvalidArgument, match="RD_TEST_EHR_TOKEN is empty"):
        auth_from_config(config, timeout_seconds=1)
    monkeypatch.setenv("RD_TEST_EHR_TOKEN", "s3cret")
    seen: list[str] = []
    transport = httpx.MockTransport(
        lambda request: (
            seen.append(request.headers["authorization"]) or httpx.Response(200, json={})
        )
    )
    FhirHttp(
        "https://ehr.example/fhir",
        auth=auth_from_config(config, timeout_seconds=1),
        transport=transport,
    ).get("metadata")

    assert seen == ["Bearer s3cret"]


def test_the_default_scope_covers_every_read_and_write_the_calendar_makes(
    frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now(NOW)
    pem, _ = _keys("RS384")
    asked: list[str] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        asked.append(parse_qs(request.content.decode())["scope"][0])
        return httpx.Response(200, json={"access_token": "t", "expires_in": 300})

    SmartBackendAuth(
        _config(), pem, timeout_seconds=1, transport=httpx.MockTransport(token_endpoint)
    ).access_token()

    assert sorted(asked[0].split()) == [
        "system/Appointment.read",
        "system/Appointment.write",
        "system/Location.read",
        "system/Practitioner.read",
        "system/Schedule.read",
        "system/Slot.read",
    ]
