"""`GET /favicon.ico`: the icon a browser asks the site for on every page, chat and
dashboard alike. Without it each page left a 404 in the browser's console.

The icon is an SVG kept in the package (no CDN), served under the name browsers ask
for; the pages also name it with its type (`<link rel="icon">`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()

MEDIA_TYPE = "image/svg+xml"


@cache
def _icon() -> bytes:
    return resources.files("referraldesk.api").joinpath("static", "favicon.svg").read_bytes()


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(_icon(), media_type=MEDIA_TYPE,
                    headers={"Cache-Control": "public, max-age=86400"})
