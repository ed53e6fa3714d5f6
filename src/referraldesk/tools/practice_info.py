"""Practice-info tools: providers, services and office hours. No patient data here."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from referraldesk.errors import NotFound
from referraldesk.models import Location, Provider, Service
from referraldesk.patients.plans import resolve_plan
from referraldesk.tools import practice_queries as queries
from referraldesk.tools.contract import ToolArgs, ToolContext, ToolOutput
from referraldesk.tools.formatting import WEEKDAY_KEYS
from referraldesk.tools.registry import tool

# How far ahead get_office_hours lists closures.
CLOSURE_HORIZON_DAYS = 60


class ProviderSummary(BaseModel):
    """API.md's provider, plus the specialty's label and telehealth."""

    id: str
    name: str
    specialty: str
    specialty_label: str
    languages: list[str]
    plans: list[str]
    locations: list[str]
    accepting_new_patients: bool
    telehealth: bool


class GetProvidersArgs(ToolArgs):
    specialty: str | None = Field(
        default=None,
        description="Specialty key (physical_therapy) or plain name in English or Spanish; "
        "null: every specialty.",
    )
    language: str | None = Field(
        default=None, description="Language code the provider speaks (en, es); null: any."
    )
    plan: str | None = Field(
        default=None, description="Insurance plan name or key the provider takes; null: any plan."
    )
    location: str | None = Field(
        default=None, description="Site key, name or id where the provider works; null: any site."
    )
    accepting_new: bool | None = Field(
        default=None,
        description="true: only providers taking new patients; false: only those not; null: both.",
    )


class ProviderList(ToolOutput):
    providers: list[ProviderSummary]


class GetProviderInfoArgs(ToolArgs):
    provider_id: str = Field(description="The provider's id, as get_providers returns it.")


class SiteRef(BaseModel):
    id: str
    key: str
    name: str
    address: str | None
    city: str | None
    phone: str | None


class ProviderInfo(ProviderSummary, ToolOutput):
    npi: str
    credentials: str | None
    bio: str | None
    sites: list[SiteRef]
    services: list[str]


class GetServicesArgs(ToolArgs):
    specialty: str | None = Field(
        default=None, description="Specialty key or plain name; null: every service."
    )


class ServiceView(BaseModel):
    key: str
    name: str
    name_en: str
    name_es: str
    cpt: str | None
    duration_minutes: int
    specialty: str
    new_patient: bool


class ServiceList(ToolOutput):
    services: list[ServiceView]


class GetOfficeHoursArgs(ToolArgs):
    location: str | None = Field(
        default=None, description="Site key, name or id; null: every site."
    )


class HoursSpan(BaseModel):
    weekday: str
    opens: str
    closes: str


class ClosureView(BaseModel):
    name: str
    starts_on: str
    ends_on: str


class SiteHours(BaseModel):
    location_id: str
    key: str
    name: str
    address: str | None
    phone: str | None
    timezone: str
    open_now: bool
    hours: list[HoursSpan]
    closures: list[ClosureView]


class OfficeHoursList(ToolOutput):
    sites: list[SiteHours]


def provider_summary(provider: Provider, language: str) -> ProviderSummary:
    specialty = provider.specialty
    return ProviderSummary(
        id=provider.id,
        name=provider.display_name,
        specialty=provider.specialty_key,
        specialty_label=specialty.label_es if language == "es" else specialty.label_en,
        languages=list(provider.languages),
        plans=sorted(plan.name for plan in provider.plans),
        locations=sorted(location.name for location in provider.locations),
        accepting_new_patients=provider.accepting_new_patients,
        telehealth=provider.telehealth,
    )


@tool()
def get_providers(session: Session, ctx: ToolContext, args: GetProvidersArgs) -> ProviderList:
    """List the practice's providers, filtered by specialty, language spoken, insurance
    plan accepted, site, and whether they take new patients. Every filter is optional.
    Returns providers with id, name, specialty, languages, plans (names), locations
    (site names) and accepting_new_patients; an empty list when none fit."""
    found = queries.find_providers(
        session,
        specialty_key=queries.resolve_specialty(session, args.specialty).key
        if args.specialty
        else None,
        language=args.language.lower() if args.language else None,
        plan_id=resolve_plan(session, args.plan).id if args.plan else None,
        location_id=queries.resolve_location(session, args.location).id if args.location else None,
        accepting_new=args.accepting_new,
    )
    return ProviderList(providers=[provider_summary(p, ctx.language) for p in found])


@tool()
def get_provider_info(
    session: Session, ctx: ToolContext, args: GetProviderInfoArgs
) -> ProviderInfo:
    """Everything the front desk may say about one provider: specialty, languages,
    plans accepted, sites with addresses, services offered, credentials and a short bio."""
    provider = session.get(Provider, args.provider_id)
    if provider is None or not provider.active:
        raise NotFound(
            f"no provider with id {args.provider_id!r}",
            field="provider_id",
            hint="List providers with get_providers and use one of their ids.",
        )
    summary = provider_summary(provider, ctx.language)
    offered = queries.services(session, provider.specialty_key)
    return ProviderInfo(
        **summary.model_dump(),
        npi=provider.npi,
        credentials=provider.credentials,
        bio=provider.bio,
        sites=[_site_ref(location) for location in provider.locations],
        services=[_service_name(service, ctx.language) for service in offered],
    )


@tool()
def get_services(session: Session, ctx: ToolContext, args: GetServicesArgs) -> ServiceList:
    """List the visit types the practice offers, optionally for one specialty, with
    names in English and Spanish, CPT code, duration in minutes and whether it is a
    new-patient visit."""
    specialty_key = (
        queries.resolve_specialty(session, args.specialty).key if args.specialty else None
    )
    return ServiceList(
        services=[_service_view(s, ctx.language) for s in queries.services(session, specialty_key)]
    )


@tool()
def get_office_hours(
    session: Session, ctx: ToolContext, args: GetOfficeHoursArgs
) -> OfficeHoursList:
    """Office hours per site in the site's local time (weekday spans, 24-hour HH:MM),
    whether the site is open right now, and closures in the next 60 days."""
    location_id = queries.resolve_location(session, args.location).id if args.location else None
    return OfficeHoursList(
        sites=[_site_hours(session, ctx, site) for site in queries.locations(session, location_id)]
    )


def _site_ref(location: Location) -> SiteRef:
    return SiteRef(
        id=location.id,
        key=location.key,
        name=location.name,
        address=location.address,
        city=location.city,
        phone=location.phone,
    )


def _service_name(service: Service, language: str) -> str:
    return service.name_es if language == "es" else service.name_en


def _service_view(service: Service, language: str) -> ServiceView:
    return ServiceView(
        key=service.key,
        name=_service_name(service, language),
        name_en=service.name_en,
        name_es=service.name_es,
        cpt=service.cpt,
        duration_minutes=service.duration_minutes,
        specialty=service.specialty_key,
        new_patient=service.new_patient,
    )


def _site_hours(session: Session, ctx: ToolContext, site: Location) -> SiteHours:
    here = ctx.now().astimezone(ZoneInfo(site.timezone))
    today = here.date()
    upcoming = queries.closures(
        session, site.id, today, today + timedelta(days=CLOSURE_HORIZON_DAYS)
    )
    closed_today = any(c.starts_on <= today <= c.ends_on for c in upcoming)
    open_now = not closed_today and any(
        span.weekday == here.weekday() and span.opens <= here.time() < span.closes
        for span in site.hours
    )
    return SiteHours(
        location_id=site.id,
        key=site.key,
        name=site.name,
        address=site.address,
        phone=site.phone,
        timezone=site.timezone,
        open_now=open_now,
        hours=[
            HoursSpan(
                weekday=WEEKDAY_KEYS[span.weekday],
                opens=span.opens.strftime("%H:%M"),
                closes=span.closes.strftime("%H:%M"),
            )
            for span in sorted(site.hours, key=lambda s: (s.weekday, s.opens))
        ],
        closures=[
            ClosureView(
                name=c.name, starts_on=c.starts_on.isoformat(), ends_on=c.ends_on.isoformat()
            )
            for c in upcoming
        ],
    )
