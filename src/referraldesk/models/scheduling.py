"""Appointments on the built-in calendar."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin
from referraldesk.db.encrypted import EncryptedString
from referraldesk.models.patient import Patient
from referraldesk.models.practice import Location, Provider, Service

BOOKED = "booked"
APPOINTMENT_STATUSES = ("booked", "cancelled", "no_show", "fulfilled")


class Appointment(IdMixin, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        # Last line of defence against double booking; the booking service also
        # locks, because overlapping slots of different lengths share no start.
        Index(
            "uq_appointments_provider_start_booked",
            "provider_id",
            "start_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index(
            "uq_appointments_patient_start_booked",
            "patient_id",
            "start_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_appointments_provider_window", "provider_id", "start_at", "end_at"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"))
    service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id"))
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    # The site's zone at booking time, so local times read back the same later.
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=BOOKED, index=True)
    telehealth: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(12), default="staff")
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    # Set when an external calendar (FHIR, HL7 SIU) owns this appointment.
    external_id: Mapped[str | None] = mapped_column(String(128), index=True)
    # The practice-management system's own id (`siu:<ns>:<id>`) for a booking made
    # here, learnt from its SIU echo: later messages may name only that id.
    filler_id: Mapped[str | None] = mapped_column(String(128), index=True)
    rescheduled_from_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"))
    # Encrypted (db/encrypted.py): it may say why the patient is coming.
    notes: Mapped[str | None] = mapped_column(EncryptedString())
    booked_at: Mapped[datetime] = mapped_column(default=now)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    patient: Mapped[Patient] = relationship()
    provider: Mapped[Provider] = relationship()
    service: Mapped[Service | None] = relationship()
    location: Mapped[Location] = relationship()
