"""The retention purge: ended conversations lose their transcripts and recordings after
the configured number of days (`retention_transcript_days`, `retention_recording_days`).

Rows stay (channel, times, outcome feed the numbers); their words, the brain's frame,
tool-call contents, analyses and recording links go. Work is done in batches so a first
run over years of history never holds one huge transaction; each batch is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, ConversationAnalysis, Turn
from referraldesk.rights.permissions import authorize
from referraldesk.rights.scrub import HAS_RECORDING, clear_recordings, clear_transcript

log = get_logger(__name__)


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
    turns_removed: int = 0


def purge_expired(
    session: Session, actor: Actor, policy: RetentionPolicy, *, dry_run: bool = False,
    max_batches: int | None = None,
) -> PurgeReport:
    """Purge what is past its retention; `dry_run` only reports the conversation ids.

    Flushes each batch; the caller commits (the job commits once per run).
    """
    authorize(actor, "purge")
    report = PurgeReport(dry_run=dry_run)
    at = now()
    if policy.transcript_days > 0:
        cutoff = at - timedelta(days=policy.transcript_days)
        _in_batches(session, actor, policy, report, "transcript",
                    _transcript_query(cutoff), max_batches)
    if policy.recording_days > 0:
        cutoff = at - timedelta(days=policy.recording_days)
        _in_batches(session, actor, policy, report, "recording",
                    _recording_query(cutoff), max_batches)
    log.info("retention_purge", dry_run=dry_run, transcripts=len(report.transcripts),
             recordings=len(report.recordings), turns_removed=report.turns_removed)
    return report


def _in_batches(session: Session, actor: Actor, policy: RetentionPolicy, report: PurgeReport,
                what: str, query: Select[tuple[str]], max_batches: int | None) -> None:
    done = report.transcripts if what == "transcript" else report.recordings
    batches = 0
    offset = 0
    while max_batches is None or batches < max_batches:
        # A dry run changes nothing, so it pages; a real run re-reads from the start
        # because each purged batch drops out of the query.
        page = query.limit(policy.batch_size).offset(offset if report.dry_run else 0)
        ids = list(session.scalars(page))
        if not ids:
            return
        done.extend(ids)
        batches += 1
        if report.dry_run:
            offset += len(ids)
            continue
        if what == "transcript":
            report.turns_removed += clear_transcript(session, ids)
        else:
            clear_recordings(session, ids)
        trail.record(session, actor, "purge", f"conversation_{what}", None,
                     reason=f"retention: {what}s of {len(ids)} conversations ended before "
                            f"the cutoff ({_days(policy, what)} days)")


def _days(policy: RetentionPolicy, what: str) -> int:
    return policy.transcript_days if what == "transcript" else policy.recording_days


def _transcript_query(cutoff: datetime) -> Select[tuple[str]]:
    holds_content = or_(
        exists().where(Turn.conversation_id == Conversation.id),
        exists().where(ConversationAnalysis.conversation_id == Conversation.id),
    )
    return _ended_before(cutoff).where(holds_content)


def _recording_query(cutoff: datetime) -> Select[tuple[str]]:
    return _ended_before(cutoff).where(HAS_RECORDING)


def _ended_before(cutoff: datetime) -> Select[tuple[str]]:
    return (select(Conversation.id)
            .where(Conversation.status == "ended", Conversation.ended_at < cutoff)
            .order_by(Conversation.ended_at, Conversation.id))

