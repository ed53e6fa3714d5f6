"""Referrals in: intake, triage at the door, and what the tools show of them.

Services flush and never commit: the request, command or job owns the transaction.
`transition` (transitions.py), `target_date_for` (targets.py) and the appointment
hooks (appointments.py) are re-exported here, where docs/ARCHITECTURE.md names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import (
    Closure,
    Patient,
    Practice,
    Referral,
    ReferralTransition,
    ReferringPractice,
)
from referraldesk.patients.plans import primary_plan
from referraldesk.patients.referral_consent import consent_from_referral
from referraldesk.referrals.appointments import (
    link_appointment,
    on_appointment_booked,
    on_appointment_cancelled,
    on_appointment_fulfilled,
    on_appointment_no_show,
    on_appointment_rescheduled,
)
from referraldesk.referrals.lifecycle import ACCEPTED, NEEDS_INFO, OPEN, RECEIVED
from referraldesk.referrals.referrers import referring_practice_for
from referraldesk.referrals.schemas import ReferralIn, parse_referral
from referraldesk.referrals.specialties import is_offered, specialty_key_for
from referraldesk.referrals.targets import target_date_for
from referraldesk.referrals.transitions import append_history, transition

__all__ = [
    "IntakeResult",
    "ReferralIn",
    "create_referral",
    "get_referral",
    "intake_referral",
    "link_appointment",
    "on_appointment_booked",
    "on_appointment_cancelled",
    "on_appointment_fulfilled",
    "on_appointment_no_show",
    "on_appointment_rescheduled",
    "open_referrals",
    "referral_summary",
    "target_date_for",
    "target_for",
    "transition",
]

log = get_logger(__name__)

DEFAULT_ZONE = "America/Los_Angeles"
SOURCES = ("hl7", "fhir", "csv", "json", "pdf", "staff")


@dataclass(frozen=True)
class IntakeResult:
    """A referral taken in; `created` is False when the placer id was seen before."""

    referral: Referral
    created: bool


@dataclass(frozen=True)
class _Triage:
    to_status: str | None
    reason: str


def create_referral(
    session: Session,
    actor: Actor,
    data: ReferralIn | Mapping[str, Any],
    *,
    source: str = "json",
    source_message_id: str | None = None,
) -> Referral:
    """Take a referral in and triage it; the same placer id from the same practice
    returns the referral already on file (see `intake_referral` to tell which)."""
    return intake_referral(
        session, actor, data, source=source, source_message_id=source_message_id
    ).referral


def intake_referral(
    session: Session,
    actor: Actor,
    data: ReferralIn | Mapping[str, Any],
    *,
    source: str = "json",
    source_message_id: str | None = None,
) -> IntakeResult:
    """Create, date and triage a referral, or return the duplicate already on file.

    A new referral gives the patient the outreach consent the practice policy takes
    from referrals (patients/referral_consent.py), kinds not on file only.

    Triage at the door: missing items (reason, phone, insurance, a required
    authorization) move it to needs_info listing them; a complete referral whose
    specialty an active in-network provider offers is accepted when the practice
    policy `auto_accept_referrals` (default False, as in DESIGN.md) allows; anything else stays
    received for a coordinator, the history saying why.
    """
    _check_source(source)
    referral_in = parse_referral(data)
    patient = _active_patient(session, referral_in.patient_id)
    referrer = referring_practice_for(
        session, referral_in.referring_practice, referral_in.referring_npi
    )
    existing = _by_placer(session, referrer.id, referral_in.placer_id)
    if existing is not None:
        return _seen_before(session, actor, existing, source_message_id)

    policy, _ = _practice_policy(session)
    referral = _new_referral(session, referral_in, patient, referrer, source)
    try:
        with session.begin_nested():
            session.add(referral)
            session.flush()
    except IntegrityError:
        # Race: the same referral arrived twice at once (an HL7 resend while the
        # first is in flight). The unique (practice, placer id) index let one in.
        existing = _by_placer(session, referrer.id, referral_in.placer_id)
        if existing is None:
            raise
        return _seen_before(session, actor, existing, source_message_id)

    triage = _triage(session, referral, patient, referral_in, policy)
    received_reason = f"received via {source}"
    if triage.to_status is None:
        received_reason += f"; waits for a coordinator: {triage.reason}"
    append_history(referral, None, RECEIVED, actor, received_reason, source_message_id)
    session.flush()
    trail.record(session, actor, "create", "referral", referral.id, patient_id=patient.id)
    # Every way in (a feed, the JSON API, a form typed on the dashboard) gives the same
    # consent, or outreach would treat the same referral differently by how it came.
    consent_from_referral(session, actor, patient, referral.id)
    log.info("referral_received", referral_id=referral.id, source=source)
    if triage.to_status is not None:
        transition(
            session,
            actor,
            referral,
            triage.to_status,
            reason=triage.reason,
            source_message_id=source_message_id,
        )
    return IntakeResult(referral, created=True)


def get_referral(session: Session, referral_id: str) -> Referral:
    """Return the referral with this id, or raise NotFound."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral with id {referral_id!r}", field="referral_id")
    return referral


def open_referrals(session: Session, patient_id: str) -> list[Referral]:
    """Return the patient's referrals that are not in a terminal state, newest first."""
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.patient_id == patient_id, Referral.status.in_(OPEN))
            .order_by(Referral.received_at.desc(), Referral.id)
        ).all()
    )


def referral_summary(referral: Referral) -> dict[str, Any]:
    """API.md's referral shape, plus notes, icd10, leakage_reason and received_at."""
    referrer = referral.referring_practice
    return {
        "id": referral.id,
        "status": referral.status,
        "patient_id": referral.patient_id,
        "specialty": referral.specialty_key,
        "urgency": referral.urgency,
        "target_date": referral.target_date.isoformat() if referral.target_date else None,
        "placer_id": referral.placer_id,
        "referring_practice": referrer.name if referrer else None,
        "referring_provider": referral.referring_provider,
        "reason": referral.reason,
        "appointment_id": referral.appointment_id,
        "notes": referral.notes,
        "icd10": list(referral.icd10 or []),
        "leakage_reason": referral.leakage_reason,
        "received_at": referral.received_at.isoformat(),
        "history": [_history_entry(step) for step in referral.history],
    }


def _history_entry(step: ReferralTransition) -> dict[str, Any]:
    return {
        "seq": step.seq,
        "from": step.from_status,
        "to": step.to_status,
        "at": step.at.isoformat(),
        "actor": step.actor,
        "reason": step.reason,
        "source_message_id": step.source_message_id,
    }


def target_for(
    session: Session, counted_from: datetime, urgency: str, *, authorization_required: bool
) -> date:
    """The target date of a referral of this urgency asked for at `counted_from`, under the
    practice's timely-access policy, zone and closures."""
    policy, zone = _practice_policy(session)
    return target_date_for(
        counted_from,
        urgency,
        policy,
        zone,
        authorization_required=authorization_required,
        closed_days=_closed_days(session, counted_from.date() - timedelta(days=1)),
    )


def _new_referral(
    session: Session,
    referral_in: ReferralIn,
    patient: Patient,
    referrer: ReferringPractice,
    source: str,
) -> Referral:
    received_at = now()
    target = target_for(
        session,
        received_at,
        referral_in.urgency,
        authorization_required=_authorization_required(referral_in),
    )
    return Referral(
        patient_id=patient.id,
        status=RECEIVED,
        specialty_key=specialty_key_for(session, referral_in.specialty),
        requested_provider_id=referral_in.requested_provider_id,
        reason=referral_in.reason,
        icd10=list(referral_in.icd10),
        urgency=referral_in.urgency,
        target_date=target,
        referring_practice_id=referrer.id,
        referring_provider=referral_in.referring_provider,
        referring_npi=referral_in.referring_npi,
        notes=referral_in.notes,
        authorization_number=referral_in.authorization_number,
        authorization_from=referral_in.authorization_from,
        authorization_until=referral_in.authorization_until,
        placer_id=referral_in.placer_id,
        source=source,
        received_at=received_at,
    )


def _triage(
    session: Session,
    referral: Referral,
    patient: Patient,
    referral_in: ReferralIn,
    policy: Mapping[str, Any],
) -> _Triage:
    missing = _missing_items(patient, referral_in)
    if missing:
        return _Triage(NEEDS_INFO, f"missing: {', '.join(missing)}")
    if not policy.get("auto_accept_referrals", False):
        return _Triage(None, "the practice accepts referrals by hand")
    plan = primary_plan(patient)
    if not is_offered(session, referral.specialty_key, plan):
        in_network = f" taking {plan.name}" if plan is not None and plan.kind != "self_pay" else ""
        return _Triage(None, f"no active {referral.specialty_key} provider{in_network}")
    return _Triage(ACCEPTED, "complete and in network; accepted at intake by practice policy")


def _missing_items(patient: Patient, referral_in: ReferralIn) -> list[str]:
    missing = []
    if not referral_in.reason.strip():
        missing.append("reason for referral")
    if not patient.phones:
        missing.append("patient phone")
    if primary_plan(patient) is None:
        missing.append("insurance")
    if referral_in.authorization_required and not referral_in.authorization_number:
        missing.append("authorization")
    return missing


def _authorization_required(referral_in: ReferralIn) -> bool:
    return bool(referral_in.authorization_required or referral_in.authorization_number)


def _practice_policy(session: Session) -> tuple[dict[str, Any], str]:
    practice = session.scalar(select(Practice).limit(1))
    if practice is None:
        return {}, DEFAULT_ZONE
    return dict(practice.policy or {}), practice.timezone or DEFAULT_ZONE


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise InvalidArgument(
            f"referral source {source!r} is not one of {', '.join(SOURCES)}", field="source"
        )


def _closed_days(session: Session, start: date) -> frozenset[date]:
    # Fifteen business days plus holidays fit well inside sixty calendar days.
    horizon = start + timedelta(days=60)
    closures = session.scalars(
        select(Closure).where(
            Closure.location_id.is_(None), Closure.starts_on <= horizon, Closure.ends_on >= start
        )
    ).all()
    days: set[date] = set()
    for closure in closures:
        day = closure.starts_on
        while day <= closure.ends_on:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def _active_patient(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.status != "active":
        raise NotFound(
            f"no patient with id {patient_id!r}; register the patient first (POST /api/patients)",
            field="patient_id",
        )
    return patient


def _by_placer(session: Session, referrer_id: str, placer_id: str | None) -> Referral | None:
    if not placer_id:
        return None
    return session.scalar(
        select(Referral).where(
            Referral.referring_practice_id == referrer_id, Referral.placer_id == placer_id
        )
    )


def _seen_before(
    session: Session, actor: Actor, referral: Referral, source_message_id: str | None
) -> IntakeResult:
    trail.record(
        session,
        actor,
        "duplicate",
        "referral",
        referral.id,
        patient_id=referral.patient_id,
        reason=f"same placer id sent again (message {source_message_id or 'unknown'})",
    )
    log.info("referral_duplicate", referral_id=referral.id)
    return IntakeResult(referral, created=False)
