"""What every door understood from a message, in one shape.

HL7 v2, FHIR and CSV each map their message to `ReferralFacts`; `apply` turns the
facts into patients and referrals. A door that finds problems collects every one
of them and raises `IntakeProblems`, so the sender hears about all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from referraldesk.errors import InvalidArgument

NEW = "new"
MODIFY = "modify"
CANCEL = "cancel"
# new | modify | cancel
Action = str
Urgency = Literal["routine", "urgent"]

# What kind of problem, for the sender's protocol: HL7 table 0357, FHIR issue-type.
MISSING = "missing"
INVALID = "invalid"
UNSUPPORTED = "unsupported"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
# A bug on our side: the message is fine as far as we know, and kept for replay.
INTERNAL = "internal"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a message: where it is, and what to change."""

    where: str
    message: str
    kind: str = INVALID

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class IntakeProblems(InvalidArgument):
    """A message that cannot be taken in, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems),
                         field=problems[0].where if problems else None)
        self.problems = problems


@dataclass
class PatientFacts:
    """The patient as the referrer describes them; `patient_id` when they name ours."""

    given_names: str = ""
    surnames: list[str] = field(default_factory=list)
    dob: date | None = None
    phone: str | None = None
    language: str = "en"
    # Plan names to try against the practice's plans, best first.
    plan_texts: list[str] = field(default_factory=list)
    member_id: str | None = None
    patient_id: str | None = None


@dataclass
class SpecialtyHints:
    """Everything in a message that may say which specialty is wanted, best first."""

    taxonomy_codes: list[str] = field(default_factory=list)
    # NPIs of the provider the referral asks for (HL7 PRD RT, FHIR performer).
    provider_npis: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    icd10: list[str] = field(default_factory=list)


@dataclass
class ReferralFacts:
    """A referral message: a new referral, a change to one, or its cancellation."""

    action: Action
    placer_id: str | None
    referring_practice: str
    referring_provider: str = ""
    referring_npi: str | None = None
    patient: PatientFacts | None = None
    specialty: SpecialtyHints = field(default_factory=SpecialtyHints)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    icd10: list[str] = field(default_factory=list)
    urgency: Urgency = "routine"
    window_start: date | None = None
    window_end: date | None = None
    # Why the referrer cancels or changes it (the NTE of an I14, say).
    change_reason: str | None = None
    # The plan's prior authorization: its number and the days it covers.
    # `authorization_required` is True when the message says one is needed (with or
    # without its number), False when it says none is, None when it says nothing.
    authorization_number: str | None = None
    authorization_from: date | None = None
    authorization_until: date | None = None
    authorization_required: bool | None = None
