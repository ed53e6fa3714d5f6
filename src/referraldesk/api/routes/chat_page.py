"""`GET /chat`: the web chat page, and its script and stylesheet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from referraldesk.api.deps import DbSession
from referraldesk.channels import web
from referraldesk.errors import NotFound
from referraldesk.models import Practice

router = APIRouter(tags=["chat"])


@router.get("/chat", response_class=HTMLResponse)
def chat_page(request: Request, session: DbSession, lang: str | None = None) -> HTMLResponse:
    """The chat page; `?lang=es` or the browser's preferred language picks Spanish."""
    practice_name = session.scalar(select(Practice.name).limit(1)) or "referraldesk"
    page = web.render_page(
        _language(lang, request.headers.get("accept-language", "")), practice_name
    )
    return HTMLResponse(page, headers=web.SECURITY_HEADERS)


@router.get("/chat/static/{name}")
def chat_asset(name: str) -> Response:
    found = web.static_file(name)
    if found is None:
        raise NotFound(f"there is no chat asset named {name!r}", field="name")
    data, media_type = found
    headers = {**web.SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
    return Response(data, media_type=media_type, headers=headers)


def _language(asked: str | None, accept_language: str) -> str:
    if asked in ("en", "es"):
        return asked
    first = accept_language.split(",")[0].strip().lower()
    return "es" if first.startswith("es") else "en"
