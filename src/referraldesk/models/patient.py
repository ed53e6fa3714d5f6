"""Patients, their phones, coverage and consents.

Encrypted at rest (db/encrypted.py): names (given_names, surnames, name_key), dob,
street address, city and postal code, phone numbers and member ids. Left plain:
the two-letter state, preferred language and contact windows (too coarse to
identify anyone, and the scheduler reads them), flags, status and timestamps.

Blind indexes beside them make look-ups work: `dob_index` and
PatientPhone.`e164_index` (exact, indexed) pick the candidates, then names are
compared in Python after decryption (patients/identity.py); `name_words_index`
holds every folded name word's index for the dashboard's whole-word search.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin, JSONType
from referraldesk.db.encrypted import (
    EncryptedDate,
    EncryptedJSON,
    EncryptedString,
    blind_index,
    word_index,
)
from referraldesk.patients.names import tokens

if TYPE_CHECKING:
    from referraldesk.models.practice import Plan


def dob_index(dob: date | None) -> str | None:
    return blind_index("dob", dob.isoformat() if dob else None)


def name_words_index(given_names: str | None, surnames: list[str] | None) -> str:
    surname_words = [word for surname in surnames or [] for word in tokens(surname)]
    return word_index("name_word", [*tokens(given_names or ""), *surname_words])


class Patient(IdMixin, Base):
    __tablename__ = "patients"

    __blind_indexes__ = {
        "dob_index": lambda patient: dob_index(patient.dob),
        "name_words_index": lambda patient: name_words_index(patient.given_names, patient.surnames),
    }

    given_names: Mapped[str] = mapped_column(EncryptedString())
    # One or two surnames, in the order the patient gives them.
    surnames: Mapped[list[str]] = mapped_column(EncryptedJSON())
    dob: Mapped[date] = mapped_column(EncryptedDate())
    dob_index: Mapped[str | None] = mapped_column(String(32), index=True)
    # Accent-, case- and hyphen-folded "given|surname1 surname2", for matching.
    name_key: Mapped[str] = mapped_column(EncryptedString())
    # "|d1|d2|": the blind index of each folded name word, searched with LIKE.
    name_words_index: Mapped[str | None] = mapped_column(Text)
    preferred_language: Mapped[str] = mapped_column(String(5), default="en")
    # e.g. [{"weekdays": ["mon",...], "after": "17:00", "before": null}]
    contact_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    address: Mapped[str | None] = mapped_column(EncryptedString())
    city: Mapped[str | None] = mapped_column(EncryptedString())
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(EncryptedString())
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
    __blind_indexes__ = {"e164_index": lambda phone: blind_index("phone", phone.e164)}

    e164: Mapped[str] = mapped_column(EncryptedString())
    e164_index: Mapped[str | None] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="mobile")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)

    patient: Mapped[Patient] = relationship(back_populates="phones")


class Coverage(IdMixin, Base):
    __tablename__ = "coverages"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    member_id: Mapped[str | None] = mapped_column(EncryptedString())
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

