"""The interactive API reference at /docs, served entirely from this server.

FastAPI's default page loads Swagger UI from a CDN. A practice that keeps everything
on its own machine (or behind a firewall that blocks the CDN) would get a blank
page, and a CDN script runs with this origin's rights. The files come from the
`swagger-ui-bundle` package instead, and only the four the page needs are served.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from referraldesk.errors import NotFound

router = APIRouter(include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "oauth2-redirect.html": "text/html",
}
_ASSET_URL = "/docs/assets/"


@router.get("/docs")
def api_docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="referraldesk API",
        swagger_js_url=_ASSET_URL + "swagger-ui-bundle.js",
        swagger_css_url=_ASSET_URL + "swagger-ui.css",
        swagger_favicon_url=_ASSET_URL + "favicon-32x32.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


@router.get("/docs/oauth2-redirect")
def api_docs_oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/docs/assets/{name}")
def api_docs_asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"there is no API docs asset named {name!r}", field="name")
    return FileResponse(
        swagger_ui_path / name,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
