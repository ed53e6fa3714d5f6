"""The practice: sites, hours, closures, specialties, providers, services and plans."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referraldesk.db.base import Base, IdMixin, JSONType

provider_locations = Table(
    "provider_locations",
    Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)

provider_plans = Table(
    "provider_plans",
    Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
)


class Practice(IdMixin, Base):
    """The one practice this installation serves, with its policies."""

    __tablename__ = "practices"

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    staff_phone: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    languages: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["en", "es"])
    # after_hours: staff take calls in office hours; full_day: the agent answers all.
    coverage_mode: Mapped[str] = mapped_column(String(20), default="full_day")
    # Everything else a practice may tune (timely-access targets, minutes saved per
    # call, booking buffers, voice transport ...), validated by the config schema.
    policy: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Location(IdMixin, Base):
    __tablename__ = "locations"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))

    hours: Mapped[list[OfficeHours]] = relationship(
        back_populates="location", cascade="all, delete-orphan", order_by="OfficeHours.weekday"
    )


class OfficeHours(IdMixin, Base):
    """One opening span of a site on a weekday (0 = Monday), in the site's local time."""

    __tablename__ = "office_hours"

    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    location: Mapped[Location] = relationship(back_populates="hours")


class Closure(IdMixin, Base):
    """A holiday or closure; a null location closes every site."""

    __tablename__ = "closures"

    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))


class Specialty(Base):
    __tablename__ = "specialties"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    nucc_code: Mapped[str] = mapped_column(String(10))
    label_en: Mapped[str] = mapped_column(String(100))
    label_es: Mapped[str] = mapped_column(String(100))


class Plan(IdMixin, Base):
    __tablename__ = "plans"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    payer: Mapped[str] = mapped_column(String(200))
    # medi_cal | medicare | commercial | workers_comp | self_pay
    kind: Mapped[str] = mapped_column(String(20))
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)


class Provider(IdMixin, Base):
    __tablename__ = "providers"

    npi: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[str | None] = mapped_column(String(20))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    credentials: Mapped[str | None] = mapped_column(String(40))
    specialty_key: Mapped[str] = mapped_column(ForeignKey("specialties.key"), index=True)
    taxonomy_code: Mapped[str] = mapped_column(String(10))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["en"])
    accepting_new_patients: Mapped[bool] = mapped_column(Boolean, default=True)
    telehealth: Mapped[bool] = mapped_column(Boolean, default=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    bio: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    specialty: Mapped[Specialty] = relationship()
    locations: Mapped[list[Location]] = relationship(secondary=provider_locations)
    plans: Mapped[list[Plan]] = relationship(secondary=provider_plans)
    blocks: Mapped[list[AvailabilityBlock]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )
    exceptions: Mapped[list[AvailabilityException]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        prefix = f"{self.title} " if self.title else ""
        return f"{prefix}{self.given_name} {self.family_name}"


class AvailabilityBlock(IdMixin, Base):
    """A provider's weekly working span at a site, in the site's local time."""

    __tablename__ = "availability_blocks"

    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    provider: Mapped[Provider] = relationship(back_populates="blocks")
    location: Mapped[Location] = relationship()


class AvailabilityException(IdMixin, Base):
    """A change to a provider's week on one date.

    kind "off": not working (the whole day when starts/ends are null);
    kind "extra": an added span at a site.
    """

    __tablename__ = "availability_exceptions"

    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    starts: Mapped[time | None] = mapped_column(Time)
    ends: Mapped[time | None] = mapped_column(Time)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(String(200))

    provider: Mapped[Provider] = relationship(back_populates="exceptions")


class Service(IdMixin, Base):
    __tablename__ = "services"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))
    cpt: Mapped[str | None] = mapped_column(String(10))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    specialty_key: Mapped[str] = mapped_column(ForeignKey("specialties.key"), index=True)
    new_patient: Mapped[bool] = mapped_column(Boolean, default=True)
