"""The intake queue: every referral message as it arrived, and what became of it.

A message is stored whole before anything is read from it, so nothing a referring
practice sends is ever lost: what cannot be parsed or applied waits here, with its
error, for a person to fix and replay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin
from referraldesk.db.encrypted import EncryptedBytes, EncryptedJSON, EncryptedString

INTAKE_CHANNELS = ("hl7_http", "hl7_mllp", "hl7_file", "fhir", "csv", "pdf")
PENDING = "pending"
APPLIED = "applied"
FAILED = "failed"
# A failed message a person corrected: the new attempt is its own row (replay_of_id).
REPLAYED = "replayed"
# A PDF or fax read by machine: waits for a coordinator to confirm or correct the fields.
NEEDS_REVIEW = "needs_review"
# A PDF kept and waiting for its reading job (text layer, OCR), which runs outside
# the request that took it in.
READING = "reading"
INTAKE_STATUSES = (PENDING, APPLIED, FAILED, REPLAYED, NEEDS_REVIEW, READING)


class IntakeMessage(IdMixin, Base):
    __tablename__ = "intake_messages"
    __table_args__ = (Index("ix_intake_messages_status_received", "status", "received_at"),)

    # hl7_http | hl7_mllp | hl7_file | fhir | csv | pdf
    channel: Mapped[str] = mapped_column(String(12))
    # The message exactly as received (one CSV row keeps its header line with it).
    # Encrypted, like `error` (it may quote a field), `document` and `extracted`.
    body: Mapped[str] = mapped_column(EncryptedString())
    content_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=now)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    error: Mapped[str | None] = mapped_column(EncryptedString())
    # What we answered the sender (the HL7 ACK, the FHIR OperationOutcome, the row report).
    # Encrypted too: an answer that refuses a message names the fields it could not take.
    reply: Mapped[str | None] = mapped_column(EncryptedString())
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    # Who sent it: "VFM_EHR|VALLEY FAMILY MEDICINE", a token name; never a file name
    # (a fax's file name often carries the patient's name or date of birth).
    sender: Mapped[str | None] = mapped_column(String(200))
    # The sender's own id for the message: MSH-10, the placer id of a CSV row.
    control_id: Mapped[str | None] = mapped_column(String(100))
    replay_of_id: Mapped[str | None] = mapped_column(ForeignKey("intake_messages.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    # A PDF door's original file, byte for byte (`body` holds the text read from it).
    document: Mapped[bytes | None] = mapped_column(EncryptedBytes())
    # What was read from the document: {field: {value, confidence}} plus how it was read.
    extracted: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
