"""The dashboard's own stylesheet and script, served from the package."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from starlette.responses import Response

from referraldesk.errors import NotFound

router = APIRouter()

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}")
def asset(name: str) -> Response:
    suffix = name[name.rfind("."):] if "." in name else ""
    folder = resources.files("referraldesk.admin").joinpath("static")
    if suffix not in _TYPES or "/" in name or name.startswith("."):
        raise NotFound(f"there is no dashboard asset named {name!r}", field="name")
    item = folder.joinpath(name)
    if not item.is_file():
        raise NotFound(f"there is no dashboard asset named {name!r}", field="name")
    return Response(item.read_bytes(), media_type=_TYPES[suffix],
                    headers={"Cache-Control": "public, max-age=3600"})
