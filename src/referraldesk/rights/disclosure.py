"""The recording notice, stored per conversation when it is given (California Penal Code 632:
every party must know before anything is recorded)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.models import RecordingDisclosure


def record_disclosure(
    session: Session, conversation_id: str, *, channel: str, language: str
) -> RecordingDisclosure:
    """Note that the recording notice was played on this conversation, now, in `language`."""
    disclosure = RecordingDisclosure(
        conversation_id=conversation_id, channel=channel, language=language[:5], played_at=now()
    )
    session.add(disclosure)
    session.flush()
    return disclosure
