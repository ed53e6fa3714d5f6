"""Patients, their phones, coverage and consents."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin, JSONType

if TYPE_CHECKING:
    from referraldesk.models.practice import Plan


class Patient(IdMixin, Base):
    __tablename__ = "patients"

    given_names: Mapped[str] = mapped_column(String(200))
    # One or two surnames, in the order the patient gives them.
    surnames: Mapped[list[str]] = mapped_column(JSONType)
    dob: Mapped[date] = mapped_column(Date, index=True)
    # Accent-, case- and hyphen-folded "given|surname1 surname2", for matching.
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    preferred_language: Mapped[str] = mapped_column(String(5), default="en")
    # e.g. [{"weekdays": ["mon",...], "after": "17:00", "before": null}]
    contact_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    # Registered from a referral without the patient confirming: matched on
    # name + DOB + phone only, never on name alone.
    identity_confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    # active | erased (CCPA/CMIA deletion leaves a de-identified stub)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(default=now)

    phones: Mapped[list[PatientPhone]] = relationship(
        back_populates="patient", cascade="all, delete-orphan"
    )
    coverages: Mapped[list[Coverage]] = relationship(
        back_populates="patient", cascade="all, delete-orphan"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="Consent.recorded_at"
    )

    @property
    def full_name(self) -> str:
        return " ".join([self.given_names, *self.surnames])

    @property
    def primary_phone(self) -> str | None:
        for phone in self.phones:
            if phone.is_primary:
                return phone.e164
        return self.phones[0].e164 if self.phones else None


class PatientPhone(IdMixin, Base):
    __tablename__ = "patient_phones"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="mobile")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)

    patient: Mapped[Patient] = relationship(back_populates="phones")


class Coverage(IdMixin, Base):
    __tablename__ = "coverages"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    member_id: Mapped[str | None] = mapped_column(String(64))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    patient: Mapped[Patient] = relationship(back_populates="coverages")
    plan: Mapped[Plan] = relationship()


class Consent(IdMixin, Base):
    """A consent given or withdrawn; the latest record of a kind is in force."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_patient_kind", "patient_id", "kind"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # recording | automated_calls | texts | non_care_use
    kind: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    # how we learned it: voice, sms, chat, staff, intake, import
    source: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=now)

    patient: Mapped[Patient] = relationship(back_populates="consents")

