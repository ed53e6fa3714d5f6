"""Follow-up outreach to patients, and the messages that tell referrers how it went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin
from referraldesk.db.encrypted import EncryptedString

ATTEMPT_CHANNELS = ("sms", "voice")
ATTEMPT_STATUSES = ("queued", "sent", "delivered", "failed", "answered", "voicemail", "skipped")
OUTBOUND_STATUSES = ("pending", "sent", "acked", "failed")


class OutreachAttempt(IdMixin, Base):
    """One automatic text or call to a patient about a referral not yet booked."""

    __tablename__ = "outreach_attempts"
    __table_args__ = (Index("ix_outreach_attempts_referral_at", "referral_id", "at"),)

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    patient_id: Mapped[str] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    # sms | voice
    channel: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=now)
    # queued | sent | delivered | failed | answered | voicemail | skipped
    status: Mapped[str] = mapped_column(String(10), default="queued")
    # Why it was skipped or failed: "no_twilio_credentials", "twilio_error:21610" ...
    reason: Mapped[str | None] = mapped_column(String(120))
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    # The vendor's id for the message or call (Twilio's SM... / CA... sid).
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Which round of outreach this belongs to (1 = the first).
    round: Mapped[int] = mapped_column(Integer, default=1)


class OutboundMessage(IdMixin, Base):
    """A message back to a referring practice, kept until the practice acknowledges it."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status_due", "status", "next_attempt_at"),)

    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    practice_id: Mapped[str] = mapped_column(ForeignKey("referring_practices.id"), index=True)
    # hl7_mllp | hl7_http | fhir | fax
    protocol: Mapped[str] = mapped_column(String(12))
    # accepted | rejected | cancelled | scheduled | no_show | visit_kept | closed | ...
    kind: Mapped[str] = mapped_column(String(16))
    # "RRI^I12", "OSU^O51", "SIU^S12", "SIU^S26", "Task", "letter"
    message_type: Mapped[str] = mapped_column(String(12))
    # The HL7 message, the FHIR Task JSON, or the letter's facts as JSON; encrypted
    # (it names the patient). Attempts store no numbers: they are read from the patient.
    payload: Mapped[str] = mapped_column(EncryptedString())
    # MSH-10 for HL7 (the ACK's MSA-2 must echo it); the Task id for FHIR.
    control_id: Mapped[str] = mapped_column(String(64))
    # pending | sent | acked | failed
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=now)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=now)
    sent_at: Mapped[datetime | None] = mapped_column()
    acked_at: Mapped[datetime | None] = mapped_column()
