"""The site's icon: every page a browser opens asks for /favicon.ico, signed in or not."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

ICON_LINK = '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'


def test_the_icon_is_served_to_anyone_as_an_svg(client: TestClient) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "public, max-age=86400"
    root = ElementTree.fromstring(response.content)
    assert (root.tag, root.get("viewBox")) == ("{http://www.w3.org/2000/svg}svg", "0 0 16 16")


@pytest.mark.parametrize("page", ["/chat", "/admin/login"])
def test_the_chat_and_the_dashboard_name_the_icon(client: TestClient, page: str) -> None:
    response = client.get(page)

    assert response.status_code == 200
    assert ICON_LINK in response.text
