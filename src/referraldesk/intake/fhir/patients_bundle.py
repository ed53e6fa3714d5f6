"""A transaction Bundle of patients and no referral (a chart export, e.g. Synthea).

Each Patient entry is matched to a patient on file the way every door matches
(name, date of birth and a phone together; intake/patients.py) or registered as
unverified, with its address and preferred language. Only the Patient entries are
parsed with the FHIR models: a chart export holds hundreds of Observations and
Claims we do not take, so they are only counted. Synthea appends digits to every
name part ("Alberto639 Atencio101"); no real name ends in digits, so they are cut.
Synthea also makes numbers like 555-175-3568 that no phone can dial (an exchange
starting with 1): those are skipped, and such a patient is matched more strictly
(`_phoneless`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import Ambiguous, Conflict, NotFound
from referraldesk.intake.facts import MISSING, IntakeProblems, PatientFacts, Problem
from referraldesk.intake.fhir.read import expression
from referraldesk.intake.patients import patient_for
from referraldesk.intake.words import language_of
from referraldesk.logging import get_logger
from referraldesk.models import Patient, PatientPhone
from referraldesk.patients.identity import find_patient
from referraldesk.patients.names import name_key, single_spaced, split_surnames, unprintable
from referraldesk.patients.phones import try_normalize_phone
from referraldesk.patients.schemas import MAX_AGE_YEARS, MAX_NAME_LENGTH
from referraldesk.patients.service import lock_registrations

Resource = dict[str, Any]
log = get_logger(__name__)

CREATED = "created"
MATCHED = "matched"
_TRAILING_DIGITS = re.compile(r"\d+$")
_STATE_CODES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND",
    "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}


@dataclass
class PatientImported:
    """One Patient entry: where it sat, our patient, and whether we created them."""

    entry: int
    patient_id: str
    result: str


@dataclass
class PatientsImport:
    patients: list[PatientImported]
    # Resource types of the other entries, and how many of each were left aside.
    ignored: Counter[str]

    def describe(self) -> str:
        counts = Counter(item.result for item in self.patients)
        ignored = sum(self.ignored.values())
        plural = "" if len(self.patients) == 1 else "s"
        return (f"{len(self.patients)} patient{plural}: {counts[CREATED]} created, "
                f"{counts[MATCHED]} matched; {ignored} other resources not taken")


def is_patients_bundle(resource: Resource) -> bool:
    """A Bundle with Patient entries and no ServiceRequest: patients to import."""
    if resource.get("resourceType") != "Bundle":
        return False
    kinds = {kind for _, entry in _resources(resource)
             if isinstance(kind := entry.get("resourceType"), str)}
    return "Patient" in kinds and "ServiceRequest" not in kinds


def import_patients(session: Session, actor: Actor, bundle: Resource) -> PatientsImport:
    """Match or register every Patient of the Bundle; raises IntakeProblems for bad ones."""
    entries = _resources(bundle)
    patients = [(i, r) for i, r in entries if r.get("resourceType") == "Patient"]
    problems = [problem for i, resource in patients for problem in _model_problems(i, resource)]
    if problems:
        raise IntakeProblems(problems)
    facts = [(i, _facts(i, resource, problems), resource) for i, resource in patients]
    if problems:
        raise IntakeProblems(problems)
    imported = [_import_one(session, actor, i, fact, resource) for i, fact, resource in facts]
    ignored = Counter(str(r.get("resourceType")) for _, r in entries
                      if r.get("resourceType") != "Patient")
    return PatientsImport(imported, ignored)


def _resources(bundle: Resource) -> list[tuple[int, Resource]]:
    entry = bundle.get("entry")
    entries: list[Any] = entry if isinstance(entry, list) else []
    return [(i, entry["resource"]) for i, entry in enumerate(entries)
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)]


def _model_problems(index: int, resource: Resource) -> list[Problem]:
    try:
        FhirPatient.model_validate(resource)
    except ValidationError as exc:
        return [Problem(expression(f"Bundle.entry[{index}].resource", error["loc"]),
                        str(error["msg"])) for error in exc.errors(include_url=False)]
    return []


def _facts(index: int, patient: Resource, problems: list[Problem]) -> PatientFacts:
    where = f"Bundle.entry[{index}].resource"
    facts = PatientFacts(language=_language(patient))
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    name = ([n for n in names if n.get("use") in ("official", "usual")] or names or [{}])[0]
    given = single_spaced(" ".join(_undigit(str(part)) for part in name.get("given") or []))
    family = " ".join(_undigit(part) for part in str(name.get("family") or "").split()).strip()
    if not given or not family:
        problems.append(Problem(f"{where}.name", "the patient needs a family and a given name",
                                MISSING))
    facts.given_names, facts.surnames = given, split_surnames(family) if family else []
    too_long = max(len(given), len(family)) > MAX_NAME_LENGTH
    if unprintable(given + family) or too_long:
        problems.append(Problem(f"{where}.name", "the name holds control or invisible "
                                f"characters, or a part over {MAX_NAME_LENGTH} characters"))
    birth = str(patient.get("birthDate") or "")
    try:
        facts.dob = date.fromisoformat(birth) if len(birth) == 10 else None
    except ValueError:
        facts.dob = None
    if facts.dob is None:
        problems.append(Problem(f"{where}.birthDate", "the patient's full date of birth "
                                                      "(YYYY-MM-DD) is required", MISSING))
    elif not 0 <= now().date().year - facts.dob.year <= MAX_AGE_YEARS or facts.dob > now().date():
        problems.append(Problem(f"{where}.birthDate", f"the date of birth {birth} is in the "
                                f"future or over {MAX_AGE_YEARS} years ago; check the year"))
    facts.phone = next(iter(_phones(patient)), None)
    return facts


def _undigit(word: str) -> str:
    return _TRAILING_DIGITS.sub("", word.strip())


def _phones(patient: Resource) -> list[str]:
    telecoms = [t for t in patient.get("telecom") or [] if isinstance(t, dict)
                and t.get("system") in ("phone", "sms") and t.get("value")]
    telecoms.sort(key=lambda t: 0 if t.get("use") == "mobile" else 1)
    phones = [try_normalize_phone(str(t["value"])) for t in telecoms]
    return list(dict.fromkeys(phone for phone in phones if phone))


def _language(patient: Resource) -> str:
    communications = sorted((c for c in patient.get("communication") or [] if isinstance(c, dict)),
                            key=lambda c: not c.get("preferred"))
    for communication in communications[:1]:
        language = communication.get("language") or {}
        codes = [str(c.get(key)) for c in language.get("coding") or [] if isinstance(c, dict)
                 for key in ("code", "display") if c.get(key)]
        return language_of(*codes, str(language.get("text") or ""))
    return "en"


def _import_one(session: Session, actor: Actor, index: int, facts: PatientFacts,
                resource: Resource) -> PatientImported:
    if facts.phone is None:
        patient, created = _phoneless(session, actor, facts)
    else:
        match = patient_for(session, actor, facts)
        patient, created = match.patient, match.created
    if created:
        _keep_details(patient, resource)
    else:
        trail.record(session, actor, "read", "patient", patient.id, patient_id=patient.id,
                     reason="matched from a FHIR patient Bundle")
    return PatientImported(index, patient.id, CREATED if created else MATCHED)


def _phoneless(session: Session, actor: Actor, facts: PatientFacts) -> tuple[Patient, bool]:
    """A patient whose export has no callable phone (Synthea makes 555-1xx numbers).

    With no phone to confirm who they are, they match only a record that has no phone
    either and was never verified: the one an earlier import of theirs registered.
    Anyone else with this name and birth date waits for a person (Conflict).
    """
    assert facts.dob is not None  # _facts reported a missing birth date already
    lock_registrations(session, facts.dob)
    try:
        on_file = find_patient(session, facts.given_names, facts.surnames, facts.dob)
    except NotFound:
        return _register_phoneless(session, actor, facts), True
    except Ambiguous as exc:
        raise Conflict(_PHONELESS_CONFLICT, field="patient.telecom") from exc
    if on_file.phones or on_file.identity_confirmed:
        raise Conflict(_PHONELESS_CONFLICT, field="patient.telecom")
    log.info("intake_patient_matched", patient_id=on_file.id, phone=False)
    return on_file, False


_PHONELESS_CONFLICT = (
    "the patient has no phone we can call and a patient with this name and date of birth "
    "is on file; a person must confirm who this is (add the phone and replay the message)"
)


def _register_phoneless(session: Session, actor: Actor, facts: PatientFacts) -> Patient:
    assert facts.dob is not None
    patient = Patient(
        given_names=facts.given_names, surnames=list(facts.surnames), dob=facts.dob,
        name_key=name_key(facts.given_names, facts.surnames),
        preferred_language=facts.language, identity_confirmed=False, status="active",
    )
    session.add(patient)
    session.flush()
    trail.record(session, actor, "create", "patient", patient.id, patient_id=patient.id,
                 reason="registered from a FHIR patient Bundle, without a phone")
    log.info("intake_patient_registered", patient_id=patient.id, phone=False)
    return patient


def _keep_details(patient: Patient, resource: Resource) -> None:
    # The first callable phone is the primary one registration stored; keep the rest.
    on_file = {phone.e164 for phone in patient.phones}
    for e164 in _phones(resource):
        if e164 not in on_file:
            patient.phones.append(PatientPhone(e164=e164, kind="other", is_primary=not on_file))
            on_file.add(e164)
    addresses = [a for a in resource.get("address") or [] if isinstance(a, dict)]
    if addresses:
        address = addresses[0]
        lines = ", ".join(str(line) for line in address.get("line") or [] if line)
        patient.address = lines or None
        patient.city = address.get("city") or None
        patient.postal_code = address.get("postalCode") or None
        state = str(address.get("state") or "").strip()
        patient.state = state.upper() if len(state) == 2 else _STATE_CODES.get(state.lower())
