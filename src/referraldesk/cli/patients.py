"""`referraldesk patients ...`: find patients, and record a consent the patient gave or
withdrew through staff (the dashboard's patient page does the same)."""

from __future__ import annotations

import typer

from referraldesk.cli.common import cli_actor, cli_session

patients_app = typer.Typer(help="Find patients and record their consents (every use is "
                                "recorded in the audit trail).", no_args_is_help=True)

# Who the terminal acts as in the audit trail.
CLI_ACTOR = ("staff:cli", "admin")


@patients_app.command("list")
def list_patients(
    with_referral: bool = typer.Option(
        False, "--with-referral", help="Only patients with an open referral, shown beside them."
    ),
    search: str | None = typer.Option(
        None, help="Whole words of the name, e.g. a full surname (accents and case ignored)."
    ),
    limit: int = typer.Option(10, min=1, max=500, help="At most this many."),
) -> None:
    """Print patients: record id, name, date of birth, language, plan and open referral.

    The record id (first column) is what the `rights` commands take. Handy to try the
    demo: pick a patient with a referral and give the agent their name and date of birth.
    """
    from sqlalchemy import select

    from referraldesk.audit import trail
    from referraldesk.db.encrypted import blind_contains
    from referraldesk.models import Patient, Referral
    from referraldesk.patients.names import tokens
    from referraldesk.referrals.lifecycle import OPEN

    with cli_session() as session:
        query = select(Patient).where(Patient.status == "active")
        if with_referral:
            query = query.where(
                Patient.id.in_(select(Referral.patient_id).where(Referral.status.in_(OPEN)))
            )
        for word in tokens(search or ""):
            query = query.where(blind_contains(Patient.name_words_index, "name_word", word))
        # Names are encrypted at rest: sorted here, after decryption, not in SQL.
        matching = sorted(session.scalars(query), key=lambda patient: patient.name_key)
        patients = matching[:limit]
        for patient in patients:
            referral = session.scalars(
                select(Referral).where(Referral.patient_id == patient.id,
                                       Referral.status.in_(OPEN)).limit(1)
            ).first()
            plan = patient.coverages[0].plan.name if patient.coverages else "no coverage"
            note = f"  referral: {referral.specialty_key} ({referral.status})" if referral else ""
            typer.echo(f"{patient.id}  {patient.full_name:<34} {patient.dob.isoformat()}  "
                       f"{patient.preferred_language}  {plan}{note}")
            trail.record(session, cli_actor(*CLI_ACTOR), "read", "patient", patient.id,
                         patient_id=patient.id, reason="patients list")
        if not patients:
            typer.echo("no patients match")
        elif len(matching) > limit:
            typer.echo(f"({limit} of {len(matching)} shown; --limit {len(matching)} for all)",
                       err=True)


@patients_app.command("consent")
def consent(
    patient_id: str = typer.Argument(
        ..., metavar="PATIENT_ID", help="The patient's record id (`patients list`)."
    ),
    kind: str = typer.Argument(
        ..., metavar="KIND",
        help="What the patient agreed to: automated_calls, texts, recording or non_care_use.",
    ),
    granted: bool = typer.Option(
        ..., "--given/--withdrawn", help="Whether the patient gave or withdrew it."
    ),
    reason: str = typer.Option(
        ..., help="How the patient said it, e.g. 'yes to texts at check-in' (no patient details)."
    ),
) -> None:
    """Record a consent the patient gave or withdrew; outreach follows it from the next round."""
    from referraldesk.patients.staff_consents import record_by_staff

    with cli_session() as session:
        record = record_by_staff(session, cli_actor(*CLI_ACTOR), patient_id, kind, granted,
                                 reason)
        typer.echo(f"{record.patient_id}  {record.kind} {'given' if granted else 'withdrawn'} "
                   f"({record.recorded_at.isoformat()})")


def register(app: typer.Typer) -> None:
    app.add_typer(patients_app, name="patients")
