"""Security headers on every kind of response, and the dashboard's cookie flags."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.security.conftest import World, bearer

from referraldesk.api.app import create_app
from referraldesk.settings import reset_settings_cache

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


@pytest.fixture
def https_client(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("REFERRALDESK_PUBLIC_URL", "https://desk.valle.example.org")
    reset_settings_cache()
    with TestClient(create_app(engine), base_url="https://testserver",
                    follow_redirects=False) as client:
        yield client
    reset_settings_cache()


def test_json_gets_a_policy_that_renders_nothing_and_no_caching(
    client: TestClient, world: World
) -> None:
    response = client.get("/api/providers", headers=bearer(world.tokens["integration"]))

    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "microphone=()" in response.headers["permissions-policy"]
    assert EVERYWHERE.items() <= dict(response.headers).items()


def test_errors_and_refusals_carry_them_too(client: TestClient) -> None:
    refused = client.get("/api/referrals")
    too_big = client.post("/api/conversations", content=b"x" * 2_000_000,
                          headers={"content-type": "application/json"})

    assert refused.status_code == 401 and too_big.status_code == 413
    for response in (refused, too_big):
        assert EVERYWHERE.items() <= dict(response.headers).items()
        assert response.headers["cache-control"] == "no-store"


def test_the_chat_page_keeps_its_own_policy_fit_for_its_script(client: TestClient) -> None:
    page = client.get("/chat")

    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # Its script and styles are files, never inline, so that policy is enough.
    assert '<script src="/chat/static/chat.js"' in page.text and "<style" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "permissions-policy" in page.headers


def test_the_dashboard_keeps_its_own_policy(client: TestClient) -> None:
    page = client.get("/admin/login")

    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert "microphone=()" in page.headers["permissions-policy"]


def test_the_api_docs_load_nothing_from_outside_this_server(client: TestClient) -> None:
    docs = client.get("/docs")
    loaded = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assets = [client.get(url) for url in loaded]

    policy = docs.headers["content-security-policy"]
    assert "https:" not in policy and "frame-ancestors 'none'" in policy
    assert loaded and all(url.startswith("/docs/assets/") for url in loaded)
    assert [asset.status_code for asset in assets] == [200] * len(assets)
    assert "https://cdn" not in docs.text
    assert client.get("/docs/assets/index.html").status_code == 404
    assert client.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_no_hsts_over_plain_http(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_hsts_and_secure_cookies_when_the_public_url_is_https(https_client: TestClient) -> None:
    health = https_client.get("/healthz")
    login = https_client.get("/admin/login")

    assert health.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" in login.headers
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert "path=/admin" in cookie


def test_cookies_are_http_only_and_same_site_over_http(client: TestClient) -> None:
    cookie = client.get("/admin/login").headers["set-cookie"].lower()

    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie
