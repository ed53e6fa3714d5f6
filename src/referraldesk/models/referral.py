"""Referrals, the practices that send them, and every transition they go through.

Encrypted at rest (db/encrypted.py): the referral's reason, notes, diagnosis codes
and attachments. Left plain: statuses, specialty, urgency, dates, placer ids and the
referring side (practices and providers, not patients), which the worklists and the
funnel filter and count in SQL, and transition reasons (staff's short codes).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin
from referraldesk.db.encrypted import EncryptedJSON, EncryptedString
from referraldesk.models.patient import Patient


class ReferringPractice(IdMixin, Base):
    __tablename__ = "referring_practices"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    npi: Mapped[str | None] = mapped_column(String(10))
    # How they hear back: hl7_mllp | hl7_http | fhir | fax | none
    protocol: Mapped[str] = mapped_column(String(12), default="fax")
    endpoint: Mapped[str | None] = mapped_column(String(300))
    fax: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))


class Referral(IdMixin, Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_placer", "referring_practice_id", "placer_id", unique=True),
        Index("ix_referrals_status_target", "status", "target_date"),
        # The funnel and the dashboard's Numbers read referrals by when they arrived.
        Index("ix_referrals_received", "received_at"),
        # Covers the funnel's cohort (what it groups by) so a year is read from the index.
        Index("ix_referrals_received_figures", "received_at", "id", "referring_practice_id",
              "specialty_key", "status", "leakage_reason", "patient_id", "appointment_id",
              "target_date"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    specialty_key: Mapped[str] = mapped_column(String(64))
    requested_provider_id: Mapped[str | None] = mapped_column(ForeignKey("providers.id"))
    reason: Mapped[str] = mapped_column(EncryptedString())
    icd10: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    # routine | urgent
    urgency: Mapped[str] = mapped_column(String(10), default="routine")
    target_date: Mapped[date | None] = mapped_column(Date)
    # The first day of the window the referrer asked for (FHIR occurrencePeriod.start,
    # HL7 TQ1-7); target_date then holds the window's last day.
    requested_from: Mapped[date | None] = mapped_column(Date)
    referring_practice_id: Mapped[str | None] = mapped_column(ForeignKey("referring_practices.id"))
    referring_provider: Mapped[str | None] = mapped_column(String(200))
    referring_npi: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(EncryptedString())
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(EncryptedJSON(), default=list)
    authorization_number: Mapped[str | None] = mapped_column(String(64))
    authorization_from: Mapped[date | None] = mapped_column(Date)
    authorization_until: Mapped[date | None] = mapped_column(Date)
    placer_id: Mapped[str | None] = mapped_column(String(64))
    # hl7 | fhir | csv | json | pdf | staff
    source: Mapped[str] = mapped_column(String(8), default="json")
    leakage_reason: Mapped[str | None] = mapped_column(String(32))
    # The current appointment. No foreign key here: appointments.referral_id already
    # is one, and a key each way is a cycle that migrations cannot create in one step.
    appointment_id: Mapped[str | None] = mapped_column(String(32), index=True)
    previous_referral_id: Mapped[str | None] = mapped_column(ForeignKey("referrals.id"))
    outreach_attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    patient: Mapped[Patient] = relationship()
    referring_practice: Mapped[ReferringPractice | None] = relationship()
    history: Mapped[list[ReferralTransition]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralTransition.seq"
    )


class ReferralTransition(IdMixin, Base):
    __tablename__ = "referral_transitions"
    # "Booked in this range" (the dashboard's savings, days to schedule) reads by state and time.
    __table_args__ = (
        Index("ix_referral_transitions_to_status_at", "to_status", "at"),
        # Covers the funnel's "did this referral reach the stage, and when first".
        Index("ix_referral_transitions_referral_status", "referral_id", "to_status", "at"),
    )

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=now)
    # "agent:<conversation id>", "staff:<user>", "integration:<token name>", "system:<job>"
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    source_message_id: Mapped[str | None] = mapped_column(String(64))

    referral: Mapped[Referral] = relationship(back_populates="history")
