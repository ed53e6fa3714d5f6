"""The web chat page renders, in both languages, with a self-only security policy."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_it_renders_the_page_with_its_assets_and_policy(client: TestClient) -> None:
    response = client.get("/chat")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text
    assert "Valley Test Clinic" in response.text
    assert '<script src="/chat/static/chat.js" defer></script>' in response.text
    assert 'role="log" aria-live="polite"' in response.text
    assert 'href="/chat?lang=es"' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_it_speaks_spanish_when_asked_or_preferred(client: TestClient) -> None:
    asked = client.get("/chat?lang=es")
    preferred = client.get("/chat", headers={"Accept-Language": "es-MX,es;q=0.9"})

    assert '<html lang="es">' in asked.text and "Escriba su mensaje" in asked.text
    assert '<html lang="es">' in preferred.text


def test_it_serves_its_script_and_stylesheet_only(client: TestClient) -> None:
    script = client.get("/chat/static/chat.js")
    style = client.get("/chat/static/chat.css")
    other = client.get("/chat/static/secrets.py")

    assert script.status_code == 200 and "text/javascript" in script.headers["content-type"]
    assert "/api/conversations" in script.text
    assert style.status_code == 200 and "text/css" in style.headers["content-type"]
    assert other.status_code == 404


def test_every_element_the_script_relabels_is_on_the_page(client: TestClient) -> None:
    """chat.js redraws the page's words when the caller switches language mid-chat."""
    script = client.get("/chat/static/chat.js").text
    wanted = set(re.findall(r'getElementById\("([\w-]+)"\)', script))

    for page in (client.get("/chat"), client.get("/chat?lang=es")):
        present = set(re.findall(r'\sid="([\w-]+)"', page.text))
        assert wanted - present == set()
    assert {"heading", "intro", "message-label", "switch", "send"} <= wanted
