"""From a checked FHIR R4 ServiceRequest (and what it references) to `ReferralFacts`.

The patient, the requester and the coverage may be contained in the ServiceRequest
or be entries of the transaction Bundle; `Patient/<id>` with one of our patient ids
names a patient already registered here. A ServiceRequest with status revoked or
entered-in-error cancels the referral with the same placer identifier; one sent in a
transaction Bundle entry whose request.method is PUT changes it (urgency, reason...).

The referring practice is the Organization the requester names (itself, or its
PractitionerRole's organization), else the request's one Organization besides the
payer (Coverage.payor) and the performer; a request holding different such
Organizations, none named by the requester, is refused rather than filed under a guess.

Authorization, where a referring system puts it: a ClaimResponse (the plan's answer
to a prior-authorization request) referenced from `supportingInfo` or `insurance`,
whose `preAuthRef` is the number and `preAuthPeriod` the days it covers; and the Da
Vinci CRD `coverage-information` extension on the ServiceRequest, whose `pa-needed`
says whether one is required and `satisfied-pa-id` gives its number.
"""

from __future__ import annotations

import re
from datetime import date
from textwrap import shorten
from typing import Any

from referraldesk.errors import InvalidArgument
from referraldesk.intake.facts import (
    CANCEL,
    INVALID,
    MISSING,
    MODIFY,
    NEW,
    IntakeProblems,
    PatientFacts,
    Problem,
    ReferralFacts,
    SpecialtyHints,
)
from referraldesk.intake.fhir.read import FhirRequest, Resource
from referraldesk.intake.words import language_of, person_name, practice_name_at, urgency_of
from referraldesk.patients.names import fold, split_surnames
from referraldesk.patients.phones import normalize_phone
from referraldesk.referrals.schemas import normalize_icd10

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
_NUCC_CODE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_CANCELLING = ("revoked", "entered-in-error")
_COVERAGE_INFORMATION = "coverage-information"
# CRD pa-needed codes that mean the visit needs a prior authorization.
_PA_NEEDED = ("auth-needed", "satisfied", "performpa")
_OUR_PATIENT = re.compile(r"^Patient/([0-9a-f]{32})$")


def referral_facts(request: FhirRequest, fallback_practice: str | None) -> ReferralFacts:
    """Map the request; `fallback_practice` names the sender when no Organization does.

    With neither, the request is refused: a placeholder practice would gather every
    such sender's referrals, and their placer ids would pass for one another's.
    """
    sr = request.service_request
    problems: list[Problem] = []
    action = _action(request)
    requester = request.resolve(sr.get("requester"))
    facts = ReferralFacts(action=action, placer_id=_placer_id(sr),
                          referring_practice=_practice(request, requester, fallback_practice,
                                                       problems))
    _read_requester(request, requester, sr.get("requester") or {}, facts)
    if action == CANCEL:
        facts.change_reason = _notes(sr)[0] if _notes(sr) else "ServiceRequest revoked"
    else:
        facts.patient = _patient(request, problems)
        _read_clinical(request, facts)
    if problems:
        raise IntakeProblems(problems)
    return facts


def _action(request: FhirRequest) -> str:
    if request.service_request.get("status") in _CANCELLING:
        return CANCEL
    return MODIFY if request.method == "PUT" else NEW


def _placer_id(sr: Resource) -> str | None:
    identifiers = [i for i in sr.get("identifier") or [] if isinstance(i, dict) and i.get("value")]
    for identifier in identifiers:
        codes = [c.get("code") for c in (identifier.get("type") or {}).get("coding") or []]
        if "PLAC" in codes:
            return str(identifier["value"])
    return str(identifiers[0]["value"]) if identifiers else None


def _practice(request: FhirRequest, requester: Resource | None, fallback: str | None,
              problems: list[Problem]) -> str:
    where = f"{request.path}.requester"
    organizations = _organizations(request, requester)
    if not _one_organization(organizations):
        # Taking the first would file the referral under whichever came first: the
        # payer, or the practice it is sent to, as readily as the sender.
        names = ", ".join(repr(shorten(str(o.get("name") or "(no name)"), 60))
                          for o in organizations)
        problems.append(Problem(where, f"the request holds {len(organizations)} Organizations "
                                f"({names}) and the requester names none of them: point the "
                                "requester at the referring practice's Organization, or at a "
                                "PractitionerRole whose organization it is", INVALID))
        return ""
    named = next((str(o["name"]).strip() for o in organizations if o.get("name")), "")
    practice = named or (fallback or "").strip()
    if not practice:
        problems.append(Problem(where, "no referring practice: name it in an Organization (the "
                                "requester, or its PractitionerRole's organization)", MISSING))
        return ""
    return practice_name_at(where, practice, problems)


def _organizations(request: FhirRequest, requester: Resource | None) -> list[Resource]:
    """The Organization the requester names, else every Organization in the request."""
    if requester is not None and requester.get("resourceType") == "PractitionerRole":
        requester = request.resolve(requester.get("organization"))
    if requester is not None and requester.get("resourceType") == "Organization":
        return [requester]
    # The index holds a Bundle entry under its fullUrl and its Type/id: one resource, twice.
    found = {id(r): r for r in request.resources.values()
             if r.get("resourceType") == "Organization"}
    for other in _not_the_sender(request):
        found.pop(id(other), None)
    return list(found.values())


def _not_the_sender(request: FhirRequest) -> list[Resource]:
    """Organizations the request names in another part: the plan that pays
    (Coverage.payor) and the practice asked to see the patient (performer)."""
    references = list(request.service_request.get("performer") or [])
    for resource in request.resources.values():
        if resource.get("resourceType") == "Coverage":
            references.extend(resource.get("payor") or [])
    resolved = (request.resolve(ref) for ref in references if isinstance(ref, dict))
    return [r for r in resolved if r is not None and r.get("resourceType") == "Organization"]


def _one_organization(organizations: list[Resource]) -> bool:
    """True for none or one, and for one practice written twice: every Organization with
    the same name (as `find_referring_practice` compares names), or sharing an identifier."""
    if len(organizations) < 2:
        return True
    names = {fold(str(o.get("name") or "")) for o in organizations}
    if len(names) == 1 and "" not in names:
        return True
    return bool(set.intersection(*(_identifiers(o) for o in organizations)))


def _identifiers(resource: Resource) -> set[tuple[str, str]]:
    return {(str(i.get("system") or ""), str(i["value"])) for i in resource.get("identifier") or []
            if isinstance(i, dict) and i.get("value")}


def _read_requester(request: FhirRequest, requester: Resource | None, reference: Resource,
                    facts: ReferralFacts) -> None:
    if requester is not None and requester.get("resourceType") == "PractitionerRole":
        requester = request.resolve(requester.get("practitioner"))
    if requester is not None and requester.get("resourceType") == "Practitioner":
        facts.referring_provider = _human_name(requester)
        facts.referring_npi = _npi(requester)
    if not facts.referring_provider and reference.get("display"):
        facts.referring_provider = str(reference["display"])


def _patient(request: FhirRequest, problems: list[Problem]) -> PatientFacts:
    sr = request.service_request
    reference = str((sr.get("subject") or {}).get("reference") or "")
    where = f"{request.path}.subject"
    ours = _OUR_PATIENT.match(reference)
    patient = request.resources.get(reference)
    if patient is None and ours:
        return PatientFacts(patient_id=ours.group(1))
    if patient is None:
        problems.append(Problem(f"{where}.reference", f"{reference!r} is neither in this request "
                                                      "nor one of our patient ids", MISSING))
        return PatientFacts()
    facts = PatientFacts(language=_language(patient))
    _read_patient_name(patient, facts, problems, where)
    facts.dob = _birth_date(patient, problems, where)
    facts.phone = _phone(patient, problems, where)
    _read_coverage(request, reference, facts)
    return facts


def _read_patient_name(patient: Resource, facts: PatientFacts, problems: list[Problem],
                       where: str) -> None:
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    preferred = [n for n in names if n.get("use") in ("official", "usual")]
    name = (preferred or names or [{}])[0]
    family, given = str(name.get("family") or "").strip(), " ".join(name.get("given") or []).strip()
    if not family or not given:
        problems.append(Problem(f"{where} Patient.name", "the patient needs a family and a given "
                                                         "name", MISSING))
        return
    facts.given_names, facts.surnames = given, split_surnames(family)


def _birth_date(patient: Resource, problems: list[Problem], where: str) -> date | None:
    text = str(patient.get("birthDate") or "")
    if len(text) != 10:
        problems.append(Problem(f"{where} Patient.birthDate", "the patient's full date of birth "
                                                              "(YYYY-MM-DD) is required", MISSING))
        return None
    return date.fromisoformat(text)


def _phone(patient: Resource, problems: list[Problem], where: str) -> str | None:
    phones = [t for t in patient.get("telecom") or [] if isinstance(t, dict)
              and t.get("system") in ("phone", "sms") and t.get("value")]
    phones.sort(key=lambda t: 0 if t.get("use") == "mobile" else 1)
    for telecom in phones:
        try:
            return normalize_phone(str(telecom["value"]))
        except InvalidArgument:
            continue
    problems.append(Problem(f"{where} Patient.telecom", "no phone number we can call: add a "
                                                        "telecom with system phone", MISSING))
    return None


def _language(patient: Resource) -> str:
    communications = sorted((c for c in patient.get("communication") or [] if isinstance(c, dict)),
                            key=lambda c: not c.get("preferred"))
    codes = [str(code) for c in communications[:1] for code in _concept_words(c.get("language"))]
    return language_of(*codes)


def _read_coverage(request: FhirRequest, subject: str, facts: PatientFacts) -> None:
    sr = request.service_request
    # insurance may also point at a ClaimResponse (the prior authorization), read apart.
    resolved = [request.resolve(ref) for ref in sr.get("insurance") or []]
    coverages = [r for r in resolved if r is not None and r.get("resourceType") == "Coverage"]
    if not coverages:
        coverages = [r for r in request.resources.values() if r.get("resourceType") == "Coverage"
                     and (r.get("beneficiary") or {}).get("reference") == subject]
    for coverage in (c for c in coverages if c and c.get("resourceType") == "Coverage"):
        plans = [c for c in coverage.get("class") or [] if "plan" in _concept_words(c.get("type"))]
        payors = [p.get("display") for p in coverage.get("payor") or []]
        texts = [*(c.get("name") for c in plans), *payors, *(c.get("value") for c in plans),
                 (coverage.get("type") or {}).get("text")]
        facts.plan_texts.extend(str(text) for text in texts if text)
        facts.member_id = facts.member_id or coverage.get("subscriberId") or None


def _read_clinical(request: FhirRequest, facts: ReferralFacts) -> None:
    sr = request.service_request
    icd10, reasons = _reasons(sr)
    facts.icd10 = icd10
    facts.reason = "; ".join(reasons)
    facts.notes = _notes(sr)
    facts.urgency = urgency_of(str(sr.get("priority") or "routine")) or "routine"
    facts.specialty = SpecialtyHints(
        taxonomy_codes=_taxonomy_codes(sr), texts=_specialty_texts(sr),
        provider_npis=[npi for ref in sr.get("performer") or []
                       if (npi := _npi(request.resolve(ref) or {}))],
        icd10=list(icd10),
    )
    period = sr.get("occurrencePeriod") or {}
    facts.window_start = _day(period.get("start"))
    facts.window_end = _day(period.get("end")) or _day(sr.get("occurrenceDateTime"))
    _read_authorization(request, facts)


def _read_authorization(request: FhirRequest, facts: ReferralFacts) -> None:
    sr = request.service_request
    referenced = [request.resolve(ref) for ref in [*(sr.get("supportingInfo") or []),
                                                   *(sr.get("insurance") or [])]]
    for answer in referenced:
        if answer is None or answer.get("resourceType") != "ClaimResponse":
            continue
        if answer.get("preAuthRef"):
            facts.authorization_number = str(answer["preAuthRef"])
            facts.authorization_required = True
        period = answer.get("preAuthPeriod") or {}
        facts.authorization_from = _day(period.get("start"))
        facts.authorization_until = _day(period.get("end"))
        break
    _read_coverage_information(sr, facts)


def _read_coverage_information(sr: Resource, facts: ReferralFacts) -> None:
    for extension in sr.get("extension") or []:
        if not str(extension.get("url") or "").endswith(_COVERAGE_INFORMATION):
            continue
        parts = {str(part.get("url")): part for part in extension.get("extension") or []}
        needed = (parts.get("pa-needed") or {}).get("valueCode")
        if needed and facts.authorization_required is None:
            facts.authorization_required = needed in _PA_NEEDED
        number = (parts.get("satisfied-pa-id") or {}).get("valueString")
        if number and not facts.authorization_number:
            facts.authorization_number, facts.authorization_required = str(number), True


def _reasons(sr: Resource) -> tuple[list[str], list[str]]:
    codes: list[str] = []
    texts: list[str] = []
    for concept in sr.get("reasonCode") or []:
        for coding in concept.get("coding") or []:
            code = normalize_icd10(str(coding.get("code") or ""))
            if coding.get("system") in ICD10_SYSTEMS and code:
                codes.append(code)
        text = concept.get("text") or next((c.get("display") for c in concept.get("coding") or []
                                            if c.get("display")), None)
        if text:
            texts.append(str(text))
    return list(dict.fromkeys(codes)), texts


def _notes(sr: Resource) -> list[str]:
    return [str(note["text"]) for note in sr.get("note") or [] if note.get("text")]


def _taxonomy_codes(sr: Resource) -> list[str]:
    codings = (sr.get("performerType") or {}).get("coding") or []
    return [str(c["code"]) for c in codings if c.get("code")
            and ("nucc" in str(c.get("system", "")) or _NUCC_CODE.match(str(c["code"])))]


def _specialty_texts(sr: Resource) -> list[str]:
    texts: list[str] = []
    for concept in (sr.get("performerType"), sr.get("code")):
        if not isinstance(concept, dict):
            continue
        texts.extend(str(c["display"]) for c in concept.get("coding") or [] if c.get("display"))
        if concept.get("text"):
            texts.append(str(concept["text"]))
    return list(dict.fromkeys(texts))


def _human_name(resource: Resource) -> str:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    if not names:
        return ""
    name = names[0]
    return person_name(" ".join(name.get("given") or []), str(name.get("family") or ""),
                       " ".join(name.get("prefix") or []))


def _npi(resource: Resource) -> str | None:
    for identifier in resource.get("identifier") or []:
        value = str(identifier.get("value") or "")
        if identifier.get("system") == NPI_SYSTEM and re.fullmatch(r"\d{10}", value):
            return value
    return None


def _concept_words(concept: Any) -> list[str]:
    if not isinstance(concept, dict):
        return []
    words = [str(c.get("code")) for c in concept.get("coding") or [] if c.get("code")]
    words += [str(c.get("display")) for c in concept.get("coding") or [] if c.get("display")]
    return words + ([str(concept["text"])] if concept.get("text") else [])


def _day(value: Any) -> date | None:
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
