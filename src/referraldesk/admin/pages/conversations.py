"""Conversations: find them by what happened, read one with its tool calls and analysis."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.filters import choices
from referraldesk.admin.queries import conversations as queries
from referraldesk.admin.queries.common import checked_range, decode_cursor
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.conversation.runtime import CHANNELS, LANGUAGES
from referraldesk.errors import InvalidArgument
from referraldesk.models import OUTCOMES

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("conversations"))]
ESCALATION = {"": None, "yes": True, "no": False}


def _choice(name: str, value: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidArgument(f"{name} {value!r} is not one of {', '.join(allowed)}", field=name)
    return value


@router.get("/conversations")
def conversation_list(
    request: Request,
    session: DbSession,
    viewer: Viewing,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    channel: str | None = None,
    language: str | None = None,
    intent: Annotated[str | None, Query(max_length=40)] = None,
    outcome: str | None = None,
    sentiment: str | None = None,
    escalation: str | None = None,
    before: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    first, last = checked_range(date_from, date_to, default_days=7, zone=viewer.zone)
    if (escalation or "") not in ESCALATION:
        raise InvalidArgument(f"escalation {escalation!r} is not yes or no", field="escalation")
    flt = queries.ConversationFilter(
        first, last, viewer.zone,
        channel=_choice("channel", channel, CHANNELS),
        language=_choice("language", language, LANGUAGES),
        intent=intent or None,
        outcome=_choice("outcome", outcome, OUTCOMES),
        sentiment=_choice("sentiment", sentiment, queries.SENTIMENTS),
        escalation=ESCALATION[escalation or ""],
    )
    rows, total, cursor = queries.search(session, flt, decode_cursor(before))
    params = _params(flt, escalation or "")
    context = {
        "rows": rows, "total": total, "count_cap": queries.COUNT_CAP, "flt": flt,
        "escalation": escalation or "",
        "choices": {
            "channel": choices(CHANNELS), "language": choices(LANGUAGES),
            "outcome": choices(OUTCOMES), "sentiment": choices(queries.SENTIMENTS),
            "intent": choices(queries.known_intents(session)),
        },
        "older_url": f"/admin/conversations?{urlencode({**params, 'before': cursor})}"
        if cursor else None,
        "newer_url": f"/admin/conversations?{urlencode(params)}" if before else None,
    }
    trail.record_shown(session, viewer.actor, "conversation",
                       [row.conversation.patient_id for row in rows],
                       reason=f"conversation list ({len(rows)} shown)")
    return render(request, "conversations.html", context, viewer=viewer, page="conversations")


def _params(flt: queries.ConversationFilter, escalation: str) -> dict[str, str]:
    values = {"from": flt.date_from.isoformat(), "to": flt.date_to.isoformat(),
              "channel": flt.channel, "language": flt.language, "intent": flt.intent,
              "outcome": flt.outcome, "sentiment": flt.sentiment, "escalation": escalation}
    return {key: value for key, value in values.items() if value}


@router.get("/conversations/{conversation_id}")
def conversation_page(
    conversation_id: str, request: Request, session: DbSession, viewer: Viewing
) -> Response:
    """One conversation: transcript, tool calls, analysis, recording. Reading it is audited."""
    detail = queries.conversation_detail(session, conversation_id)
    conversation = detail["conversation"]
    trail.record(session, viewer.actor, "read", "conversation", conversation.id,
                 patient_id=conversation.patient_id, conversation_id=conversation.id,
                 reason="transcript view")
    context: dict[str, Any] = {**detail, "as_json": _as_json}
    return render(request, "conversation.html", context, viewer=viewer, page="conversations")


def _as_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
