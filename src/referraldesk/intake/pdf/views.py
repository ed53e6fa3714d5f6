"""Intake messages as the API and the CLI show them (the text read from a file is left out)."""

from __future__ import annotations

from typing import Any

from referraldesk.intake.queue import Outcome
from referraldesk.models.intake import IntakeMessage


def message_view(message: IntakeMessage, *, with_body: bool = False) -> dict[str, Any]:
    """An intake message: where it came from, what became of it, and the fields read from a PDF."""
    extracted = message.extracted or {}
    view: dict[str, Any] = {
        "id": message.id, "channel": message.channel, "status": message.status,
        "received_at": message.received_at.isoformat(), "sender": message.sender,
        "control_id": message.control_id, "error": message.error, "reply": message.reply,
        "referral_id": message.referral_id, "replay_of_id": message.replay_of_id,
    }
    if message.channel == "pdf":
        view["read_by"] = extracted.get("read_by")
        view["pages"] = extracted.get("pages")
        view["fields"] = extracted.get("fields", {})
    if with_body:
        view["body"] = message.body
    return view


def outcome_view(outcome: Outcome) -> dict[str, Any]:
    """What a replay or a confirmation did: the message it touched and the referral, if any."""
    return {
        "message": message_view(outcome.message), "applied": outcome.applied,
        "summary": outcome.summary, "referral_id": outcome.referral_id,
        "referral_status": outcome.referral_status,
        "problems": [{"where": p.where, "message": p.message, "kind": p.kind}
                     for p in outcome.problems],
    }
