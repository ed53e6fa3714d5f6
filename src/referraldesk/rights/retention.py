"""The retention purge: ended conversations lose their transcripts and recordings after
the configured number of days (`retention_transcript_days`, `retention_recording_days`).

Rows stay (channel, times, outcome feed the numbers); their words, the brain's frame,
tool-call contents, analyses and recording links go. SIU messages to the
practice-management system that are settled (acknowledged or given up on) are deleted
after the transcripts' days: their text names the patient, the PM system holds its own
copy, and the appointment they were about keeps its own record.
Work is done in batches so a first run over years of history never holds one huge
transaction; each batch is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, ConversationAnalysis, ScheduleFeedMessage, Turn
from referraldesk.rights.permissions import authorize
from referraldesk.rights.scrub import HAS_RECORDING, clear_recordings, clear_transcript

log = get_logger(__name__)

# An SIU the PM system acknowledged, or one the sender gave up on.
SETTLED_FEED_STATUSES = ("acked", "failed")


@dataclass(frozen=True)
class RetentionPolicy:
    transcript_days: int
    recording_days: int
    batch_size: int = 200

    @classmethod
    def from_settings(cls) -> RetentionPolicy:
        from referraldesk.settings import get_settings

        settings = get_settings()
        return cls(settings.retention_transcript_days, settings.retention_recording_days,
                   settings.retention_batch_size)


@dataclass
class PurgeReport:
    dry_run: bool
    transcripts: list[str] = field(default_factory=list)
    recordings: list[str] = field(default_factory=list)
    schedule_feed_messages: list[str] = field(default_factory=list)
    turns_removed: int = 0

    @property
    def found_any(self) -> bool:
        return bool(self.transcripts or self.recordings or self.schedule_feed_messages)


@dataclass(frozen=True)
class _Purge:
    """One kind of content past its days: the ids still holding it and how to clear them."""

    query: Select[str]
    found: list[str]
    clear: Callable[[list[str]], object]
    # The audit record of each batch: the resource it names, and why (given the count).
    resource: str
    reason: Callable[[int], str]


def purge_expired(
    session: Session, actor: Actor, policy: RetentionPolicy, *, dry_run: bool = False,
    max_batches: int | None = None,
) -> PurgeReport:
    """Purge what is past its retention; `dry_run` only reports the ids.

    Flushes each batch; the caller commits (the job commits once per run).
    """
    authorize(actor, "purge")
    report = PurgeReport(dry_run=dry_run)
    for purge in _purges(session, policy, report):
        _in_batches(session, actor, policy, dry_run, purge, max_batches)
    log.info("retention_purge", dry_run=dry_run, transcripts=len(report.transcripts),
             recordings=len(report.recordings),
             schedule_feed_messages=len(report.schedule_feed_messages),
             turns_removed=report.turns_removed)
    return report


def _purges(session: Session, policy: RetentionPolicy, report: PurgeReport) -> list[_Purge]:
    at = now()
    purges = []
    if policy.transcript_days > 0:
        days = policy.transcript_days
        cutoff = at - timedelta(days=days)

        def clear_transcripts(ids: list[str]) -> None:
            report.turns_removed += clear_transcript(session, ids)

        purges += [
            _Purge(_transcript_query(cutoff), report.transcripts, clear_transcripts,
                   "conversation_transcript", _reason("transcripts of {} conversations "
                                                      "ended", days)),
            _Purge(_settled_feed_query(cutoff), report.schedule_feed_messages,
                   partial(_delete_feed_messages, session), "schedule_feed_message",
                   _reason("{} settled SIU messages written", days)),
        ]
    if policy.recording_days > 0:
        days = policy.recording_days
        purges.append(_Purge(_recording_query(at - timedelta(days=days)), report.recordings,
                             partial(clear_recordings, session), "conversation_recording",
                             _reason("recordings of {} conversations ended", days)))
    return purges


def _reason(what: str, days: int) -> Callable[[int], str]:
    """The audit reason of a batch: `what` holds {} for the batch's count."""
    return lambda count: f"retention: {what.format(count)} before the cutoff ({days} days)"


def _in_batches(session: Session, actor: Actor, policy: RetentionPolicy, dry_run: bool,
                purge: _Purge, max_batches: int | None) -> None:
    batches = 0
    offset = 0
    while max_batches is None or batches < max_batches:
        # A dry run changes nothing, so it pages; a real run re-reads from the start
        # because each purged batch drops out of the query.
        page = purge.query.limit(policy.batch_size).offset(offset if dry_run else 0)
        ids = list(session.scalars(page))
        if not ids:
            return
        purge.found.extend(ids)
        batches += 1
        if dry_run:
            offset += len(ids)
            continue
        purge.clear(ids)
        trail.record(session, actor, "purge", purge.resource, None, reason=purge.reason(len(ids)))


def _transcript_query(cutoff: datetime) -> Select[str]:
    holds_content = or_(
        exists().where(Turn.conversation_id == Conversation.id),
        exists().where(ConversationAnalysis.conversation_id == Conversation.id),
    )
    return _ended_before(cutoff).where(holds_content)


def _recording_query(cutoff: datetime) -> Select[str]:
    return _ended_before(cutoff).where(HAS_RECORDING)


def _ended_before(cutoff: datetime) -> Select[str]:
    return (select(Conversation.id)
            .where(Conversation.status == "ended", Conversation.ended_at < cutoff)
            .order_by(Conversation.ended_at, Conversation.id))


def _settled_feed_query(cutoff: datetime) -> Select[str]:
    # A pending message is still owed to the PM system, however old: the sender gives up
    # on it (failed) after its last attempt, and then it is settled.
    return (select(ScheduleFeedMessage.id)
            .where(ScheduleFeedMessage.status.in_(SETTLED_FEED_STATUSES),
                   ScheduleFeedMessage.created_at < cutoff)
            .order_by(ScheduleFeedMessage.created_at, ScheduleFeedMessage.id))


def _delete_feed_messages(session: Session, ids: list[str]) -> None:
    # Deleted rather than emptied: nothing reads a settled message, and an emptied one
    # would match this query again (its text is encrypted, so SQL cannot tell it apart).
    session.execute(delete(ScheduleFeedMessage).where(ScheduleFeedMessage.id.in_(ids)))
    session.flush()
