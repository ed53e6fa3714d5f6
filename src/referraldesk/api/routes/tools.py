"""The tool catalog over HTTP, for staff and integrations: the same tools the agent uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header
from fastapi.responses import JSONResponse

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit.trail import Actor
from referraldesk.errors import HTTP_STATUS, retry_after_headers
from referraldesk.tools import ToolContext, ToolOutcome, catalog

router = APIRouter(prefix="/api/tools", tags=["tools"])

CatalogReader = Annotated[Actor, Depends(require_roles(*access.CATALOG))]
ToolCaller = Annotated[Actor, Depends(require_roles(*access.FRONT_DESK))]


def api_context(actor: Actor) -> ToolContext:
    """A tool context for an authenticated HTTP caller: no conversation, no verified patient."""
    return ToolContext(conversation_id=None, channel="api", language="en", actor=actor)


def outcome_response(outcome: ToolOutcome, success_status: int = 200) -> JSONResponse:
    """`{ok, data, actions}` with `success_status`, or `{ok: false, error}` with its 4xx."""
    if outcome.ok:
        body: dict[str, Any] = {"ok": True, "data": outcome.data, "actions": outcome.actions}
        if outcome.replayed:
            body["replayed"] = True
        return JSONResponse(body, status_code=success_status)
    assert outcome.error is not None
    status = HTTP_STATUS.get(outcome.error.code, 400)
    return JSONResponse({"ok": False, "error": outcome.error.model_dump()}, status_code=status,
                        headers=retry_after_headers(status))


@router.get("")
def list_tools(_: CatalogReader) -> dict[str, Any]:
    """Every tool: name, description, JSON schema of its arguments, roles that may call it."""
    return {"tools": catalog.describe()}


@router.post("/{name}")
def call_tool(
    name: str,
    actor: ToolCaller,
    session: DbSession,
    arguments: Annotated[dict[str, Any] | None, Body()] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Call one tool with the JSON body as its arguments."""
    outcome = catalog.call(
        session, api_context(actor), name, arguments or {}, idempotency_key=idempotency_key
    )
    return outcome_response(outcome)
