"""Data-rights requests (CCPA, CMIA) and the recording notices played on calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin

REQUEST_KINDS = ("access", "deletion", "opt_out", "correction")
REQUEST_STATUSES = ("open", "completed", "denied")


class DataRightsRequest(IdMixin, Base):
    """One request a patient made about their data, with the 45-day answer deadline.

    `notes` and `handled_by` hold no patient data: the request names its patient by id
    only, so the log survives the patient's own erasure without undoing it.
    """

    __tablename__ = "data_rights_requests"
    __table_args__ = (Index("ix_data_rights_requests_status_due", "status", "due_at"),)

    # access | deletion | opt_out | correction
    kind: Mapped[str] = mapped_column(String(12))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=now)
    # received_at + 45 days (CCPA, Cal. Civ. Code 1798.130); an extension is a new note.
    due_at: Mapped[datetime] = mapped_column()
    # open | completed | denied
    status: Mapped[str] = mapped_column(String(10), default="open")
    completed_at: Mapped[datetime | None] = mapped_column()
    # "staff:<email>" of whoever logged it, then of whoever answered it
    logged_by: Mapped[str] = mapped_column(String(160))
    handled_by: Mapped[str | None] = mapped_column(String(160))
    notes: Mapped[str | None] = mapped_column(Text)


class RecordingDisclosure(IdMixin, Base):
    """Proof that a conversation's recording notice was given, when and in which language.

    California is a two-party-consent state (Penal Code 632): the notice comes before
    anything is recorded. The row holds no content, so it outlives retention and erasure.
    """

    __tablename__ = "recording_disclosures"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5))
    played_at: Mapped[datetime] = mapped_column(default=now)
