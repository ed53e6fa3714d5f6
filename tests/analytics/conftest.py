from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from referraldesk.models import Conversation, ToolCall, Turn

MakeConversation = Callable[..., Conversation]


@pytest.fixture
def make_conversation(session: Session) -> MakeConversation:
    def make(
        caller: list[str],
        *,
        outcome: str | None = "answered",
        language: str = "en",
        channel: str = "chat",
        started_at: str = "2026-03-04T17:15:00+00:00",
        tools: list[tuple[str, str | None]] = (),  # type: ignore[assignment]
        failed_verifications: int = 0,
        outcome_reason: str | None = None,
        **extra: Any,
    ) -> Conversation:
        start = datetime.fromisoformat(started_at)
        conversation = Conversation(
            channel=channel, language=language, outcome=outcome, outcome_reason=outcome_reason,
            status="ended", started_at=start, last_activity_at=start,
            ended_at=start + timedelta(minutes=3), failed_verifications=failed_verifications,
            **extra,
        )
        session.add(conversation)
        session.flush()
        for seq, text in enumerate(caller):
            session.add(Turn(conversation_id=conversation.id, seq=2 * seq + 1, speaker="caller",
                             text=text, language=language, at=start))
            session.add(Turn(conversation_id=conversation.id, seq=2 * seq + 2, speaker="agent",
                             text="ok", language=language, at=start))
        for name, error in tools:
            session.add(ToolCall(conversation_id=conversation.id, name=name, actor="agent",
                                 error_code=error, at=start))
        session.commit()
        return conversation

    return make
