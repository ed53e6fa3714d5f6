"""CSV bulk import: one referral per row, a report line per row.

Each row is kept in the intake queue as its own message (the header line and the
row), so a rejected row can be fixed and replayed alone; rows that pass are kept
even when others fail. Row numbers count data rows: row 1 is the line after the
header. Columns (header names, any order):

placer_id, referring_practice, referring_provider_npi, referring_provider,
patient_given, patient_surnames, patient_dob, patient_phone, preferred_language,
plan, member_id, specialty, reason, icd10, urgency, and optionally the plan's prior
authorization: authorization_number, authorization_from, authorization_until
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import DomainError, InvalidArgument
from referraldesk.intake.apply import Applied, apply_facts
from referraldesk.intake.facts import (
    MISSING,
    NEW,
    IntakeProblems,
    PatientFacts,
    Problem,
    ReferralFacts,
    SpecialtyHints,
)
from referraldesk.intake.queue import Outcome, attempt, record, settle_applied, settle_failed
from referraldesk.intake.specialties import resolve_specialty
from referraldesk.intake.words import language_of, practice_name_at, urgency_of
from referraldesk.models import Specialty
from referraldesk.models.intake import IntakeMessage
from referraldesk.patients.names import split_surnames
from referraldesk.patients.phones import normalize_phone
from referraldesk.patients.service import resolve_plan
from referraldesk.referrals.schemas import normalize_icd10
from referraldesk.referrals.specialties import is_offered

CONTENT_TYPE = "text/csv"
REQUIRED_COLUMNS = ("referring_practice", "patient_given", "patient_surnames", "patient_dob",
                    "patient_phone", "plan", "specialty")
OPTIONAL_COLUMNS = ("placer_id", "referring_provider_npi", "referring_provider",
                    "preferred_language", "member_id", "reason", "icd10", "urgency",
                    "authorization_number", "authorization_from", "authorization_until")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CODE_SEPARATORS = re.compile(r"[;,|\s]+")
# problem(column, message, kind="invalid"): how the row checks report.
_Report = Callable[..., None]


@dataclass(frozen=True)
class RowReport:
    """What became of one row: imported (with the referral) or rejected (with why)."""

    row: int
    placer_id: str | None
    imported: bool
    message_id: str
    referral_id: str | None = None
    referral_status: str | None = None
    summary: str = ""
    problems: list[Problem] = field(default_factory=list)

    def line(self) -> str:
        placer = f" {self.placer_id}" if self.placer_id else ""
        if self.imported:
            return f"row {self.row}{placer}: imported, {self.summary}"
        reasons = "; ".join(f"{problem.where.split(', ', 1)[-1]}: {problem.message}"
                            for problem in self.problems)
        return f"row {self.row}{placer}: rejected: {reasons}"


@dataclass
class CsvReport:
    rows: list[RowReport]

    @property
    def imported(self) -> int:
        return sum(1 for row in self.rows if row.imported)

    @property
    def rejected(self) -> int:
        return len(self.rows) - self.imported


def import_csv(session: Session, actor: Actor, text: str, *, source_name: str) -> CsvReport:
    """Import every row; raises InvalidArgument only when the header itself is unusable."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    _check_header(header)
    rows = []
    for number, raw_row in enumerate(reader, start=1):
        row = {(key or "").strip(): (value or "").strip() for key, value in raw_row.items()
               if isinstance(value, str | None)}
        body = _row_text(header, row)
        message = record(session, actor, "csv", body, CONTENT_TYPE,
                         sender=f"{source_name} row {number}",
                         control_id=(row.get("placer_id") or "").strip() or None)
        rows.append(_report(number, row, process_csv_row(session, actor, message, row=number)))
    return CsvReport(rows)


def process_csv_row(session: Session, actor: Actor, message: IntakeMessage, *,
                    row: int = 1) -> Outcome:
    """Apply one stored row (header line + row) and settle it."""
    result = attempt(session, message, lambda: _apply(session, actor, message, row))
    if isinstance(result, list):
        summary = "; ".join(str(problem) for problem in result)
        settle_failed(message, result, summary)
        return Outcome(message, applied=False, reply=summary, summary=summary, problems=result)
    summary = result.describe()
    settle_applied(message, result.referral.id, summary)
    return Outcome(message, applied=True, reply=summary, summary=summary,
                   referral_id=result.referral.id, referral_status=result.referral.status)


def _apply(session: Session, actor: Actor, message: IntakeMessage, number: int) -> Applied:
    rows = list(csv.DictReader(io.StringIO(message.body)))
    if len(rows) != 1:
        raise InvalidArgument(f"a stored CSV message holds a header and one row, not {len(rows)}")
    facts = row_facts(session, {k.strip(): (v or "").strip() for k, v in rows[0].items() if k},
                      number)
    return apply_facts(session, actor, facts, source="csv", message_id=message.id)


def row_facts(session: Session, row: dict[str, str], number: int) -> ReferralFacts:
    """Check one row and map it; raises IntakeProblems naming the row and each column."""
    problems: list[Problem] = []

    def problem(column: str, message: str, kind: str = "invalid") -> None:
        problems.append(Problem(f"row {number}, column {column}", message, kind))

    for column in REQUIRED_COLUMNS:
        if not row.get(column):
            problem(column, "is empty; it is required", MISSING)
    dob = _day(row.get("patient_dob", ""), "patient_dob", problem)
    authorized = [_day(row.get(column, ""), column, problem)
                  for column in ("authorization_from", "authorization_until")]
    phone = _phone(row.get("patient_phone", ""), problem)
    _check_plan(session, row.get("plan", ""), problem)
    specialty = _offered_specialty(session, row.get("specialty", ""), problem)
    icd10 = _codes(row.get("icd10", ""), problem)
    urgency = urgency_of(row.get("urgency", ""))
    if urgency is None:
        problem("urgency", f"{row['urgency']!r} is neither routine nor urgent")
    npi = row.get("referring_provider_npi") or None
    if npi and not re.fullmatch(r"\d{10}", npi):
        problem("referring_provider_npi", f"{npi!r} is not an NPI: it has ten digits")
    practice = row.get("referring_practice", "")
    if practice:
        practice = practice_name_at(f"row {number}, column referring_practice", practice,
                                    problems)
    if problems:
        raise IntakeProblems(problems)
    return ReferralFacts(
        action=NEW, placer_id=row.get("placer_id") or None,
        referring_practice=practice,
        referring_provider=row.get("referring_provider", ""), referring_npi=npi,
        patient=PatientFacts(
            given_names=row["patient_given"], surnames=split_surnames(row["patient_surnames"]),
            dob=dob, phone=phone, language=language_of(row.get("preferred_language", "")),
            plan_texts=[row["plan"]], member_id=row.get("member_id") or None,
        ),
        specialty=SpecialtyHints(texts=[specialty] if specialty else []),
        reason=row.get("reason", ""), icd10=icd10, urgency=urgency or "routine",
        authorization_number=row.get("authorization_number") or None,
        authorization_from=authorized[0], authorization_until=authorized[1],
        authorization_required=True if row.get("authorization_number") else None,
    )


def _day(text: str, column: str, problem: _Report) -> date | None:
    if not text:
        return None
    match = _ISO_DATE.match(text) or _US_DATE.match(text)
    if match is None:
        problem(column, f"{text!r} is not a date; write it as YYYY-MM-DD (1990-02-28)")
        return None
    if match.re is _ISO_DATE:
        year, month, day = (int(part) for part in match.groups())
    else:
        month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        problem(column, f"{text!r} is not a date: there is no day {day} in month "
                        f"{month} of {year}; check it and write it as YYYY-MM-DD")
        return None


def _phone(text: str, problem: _Report) -> str | None:
    if not text:
        return None
    try:
        return normalize_phone(text)
    except InvalidArgument as exc:
        problem("patient_phone", exc.message)
        return None


def _check_plan(session: Session, text: str, problem: _Report) -> None:
    if not text:
        return
    try:
        resolve_plan(session, text)
    except DomainError as exc:
        problem("plan", exc.message)


def _offered_specialty(session: Session, text: str, problem: _Report) -> str | None:
    if not text:
        return None
    choice = resolve_specialty(session, SpecialtyHints(texts=[text]))
    if choice is not None and is_offered(session, choice.key, None):
        return choice.key
    offered = sorted(key for key in session.scalars(select(Specialty.key)).all()
                     if is_offered(session, key, None))
    problem("specialty", f"{text!r} is not a specialty this practice offers; it offers: "
                         f"{', '.join(offered)}")
    return None


def _codes(text: str, problem: _Report) -> list[str]:
    codes = []
    for code in (part for part in _CODE_SEPARATORS.split(text) if part):
        normalized = normalize_icd10(code)
        if normalized is None:
            problem("icd10", f"{code!r} is not an ICD-10-CM code; write it like M25.561")
        else:
            codes.append(normalized)
    return codes


def _check_header(header: list[str]) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    problems = [f"the header has no {column!r} column" for column in missing]
    problems += [f"the header's {column!r} column is not one we read" for column in unknown]
    if problems:
        raise InvalidArgument("; ".join(problems) + f"; the columns are: "
                              f"{', '.join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))}",
                              field="header")


def _row_text(header: list[str], row: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerow([row.get(name) or "" for name in header])
    return out.getvalue()


def _report(number: int, row: dict[str, str], outcome: Outcome) -> RowReport:
    return RowReport(row=number, placer_id=row.get("placer_id") or None,
                     imported=outcome.applied, message_id=outcome.message.id,
                     referral_id=outcome.referral_id, referral_status=outcome.referral_status,
                     summary=outcome.summary, problems=outcome.problems)
