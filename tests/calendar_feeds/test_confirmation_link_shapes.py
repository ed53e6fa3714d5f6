"""Confirmation links no signature of ours could have made: each is a plain 404, anonymous
and cheap, never a 500 (the link is public, anyone may send anything in it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

NOT_FOUND = "no appointment at this link; it may have expired"


@pytest.mark.parametrize("signed", [
    "x." + "9" * 5000 + ".abc",  # past int()'s 4300 digits
    "x." + "9" * 13 + ".abc",
    "x.１２３.abc",  # fullwidth digits: isdigit() says yes, int() reads them
    "x.²³.abc",  # superscripts: isdigit() says yes, int() raises
    "x.1700000000.é",  # compare_digest raises on non-ASCII text
])
def test_a_link_no_signature_could_have_made_is_a_plain_404(
    client: TestClient, signed: str
) -> None:
    response = client.get(f"/calendar/appointments/{signed}.ics")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == NOT_FOUND

