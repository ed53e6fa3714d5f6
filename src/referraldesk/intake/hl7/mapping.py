"""From an HL7 v2 referral message to `ReferralFacts`.

REF^I12 (new), REF^I13 (modify), REF^I14 (cancel) after HL7 v2.5.1 chapter 11, and
the IHE 360X referral request OMG^O19 (ORC-1 NW new, XO change, CA/DC/OC cancel).
Where a sender may put a fact in more than one place, the places are tried in the
order written in each helper. Every problem found is collected and raised at once.

Authorization: the AUT segment (AUT-6 its number, AUT-4 and AUT-5 the days it
covers) when the sender has one; else RF1-11, the external referral id, which is the
plan's number for the referral; and RF1-7 / RF1-8, the referral's effective and
expiration dates, as the days it covers (the sample referrals carry those). A lapsed
window ends outreach as `expired` (outreach/plan.py).
"""

from __future__ import annotations

import re
from datetime import date

from referraldesk.errors import InvalidArgument
from referraldesk.intake.facts import (
    CANCEL,
    MISSING,
    MODIFY,
    NEW,
    UNSUPPORTED,
    Action,
    IntakeProblems,
    PatientFacts,
    Problem,
    ReferralFacts,
    SpecialtyHints,
    Urgency,
)
from referraldesk.intake.hl7.message import Hl7Message, Segment
from referraldesk.intake.words import (
    display_case,
    language_of,
    person_name,
    practice_name_at,
    urgency_of,
)
from referraldesk.patients.names import parse_stored_name
from referraldesk.patients.phones import normalize_phone
from referraldesk.referrals.schemas import normalize_icd10

SUPPORTED = "REF^I12, REF^I13, REF^I14 or OMG^O19"
_REF_ACTIONS: dict[str, Action] = {"I12": NEW, "I13": MODIFY, "I14": CANCEL}
_ORC_ACTIONS: dict[str, Action] = {"NW": NEW, "XO": MODIFY, "CA": CANCEL, "DC": CANCEL,
                                   "OC": CANCEL}
_ICD10_SYSTEMS = frozenset({"", "I10", "I10C", "I10CM", "ICD10", "ICD10CM", "ICD-10-CM"})
_NPI = re.compile(r"^\d{10}$")
_MEMBER_ID = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9-]{5,30}$")
# Phone equipment types we can call or text (HL7 table 0202); FX, Internet, BP are not.
_CALLABLE = ("CP", "PH", "")


def referral_facts(message: Hl7Message) -> ReferralFacts:
    """Map a parsed message; raises IntakeProblems listing every problem found."""
    action = _action(message)
    problems: list[Problem] = []
    placer_id = _placer_id(message)
    if placer_id is None and action != NEW:
        field = "RF1-6" if message.message_code == "REF" else "ORC-2"
        problems.append(Problem(field, f"no placer referral id: a {action} message must name "
                                       "the referral it changes", MISSING))
    where, practice = _referring_practice(message)
    facts = ReferralFacts(action=action, placer_id=placer_id,
                          referring_practice=practice_name_at(where, practice, problems))
    _read_referrer(message, facts)
    if action != CANCEL:
        # A change names its referral by placer id; only a new one needs the patient.
        if action == NEW or message.first("PID") is not None:
            facts.patient = _patient(message, problems)
        _read_clinical(message, facts, problems)
    facts.change_reason = _notes_text(message) or None
    if problems:
        raise IntakeProblems(problems)
    return facts


def _action(message: Hl7Message) -> Action:
    code, trigger = message.message_code, message.trigger
    if code == "REF" and trigger in _REF_ACTIONS:
        return _REF_ACTIONS[trigger]
    if code == "OMG" and trigger == "O19":
        control = (message.first("ORC") or message.msh).value(1).upper() or "NW"
        if control in _ORC_ACTIONS:
            return _ORC_ACTIONS[control]
        raise IntakeProblems([Problem("ORC-1", f"order control {control!r} is not taken here; "
                                               "send NW, XO or CA", UNSUPPORTED)])
    raise IntakeProblems([Problem("MSH-9", f"message type {code}^{trigger} is not a referral "
                                           f"taken here; send {SUPPORTED}", UNSUPPORTED)])


def _placer_id(message: Hl7Message) -> str | None:
    for name, number in (("RF1", 6), ("ORC", 2), ("OBR", 2)):
        segment = message.first(name)
        if segment is not None and segment.value(number):
            return segment.value(number)
    return None


def _referring_practice(message: Hl7Message) -> tuple[str, str]:
    """The field that names the referring practice, and the name."""
    provider = _provider_segment(message, "RP")
    if provider is not None:
        named = _last_component(provider, 4)
        if named:
            return "PRD-4", named
    for number in (4, 3):
        if message.msh.value(number):
            return f"MSH-{number}", display_case(message.msh.value(number))
    return "MSH-4", "unknown sender"


def _read_referrer(message: Hl7Message, facts: ReferralFacts) -> None:
    provider = _provider_segment(message, "RP")
    if provider is not None:
        family, given = provider.value(2, 1), provider.value(2, 2)
        facts.referring_provider = person_name(given, family, provider.value(2, 5))
        facts.referring_npi = _npi_of_identifiers(provider, 7)
        return
    for name, number in (("ORC", 12), ("OBR", 16)):
        segment = message.first(name)
        if segment is not None and segment.value(number, 2):
            facts.referring_provider = person_name(
                segment.value(number, 3), segment.value(number, 2), segment.value(number, 6)
            )
            identifier = segment.value(number, 1)
            facts.referring_npi = identifier if _NPI.match(identifier) else None
            return


def _read_clinical(message: Hl7Message, facts: ReferralFacts, problems: list[Problem]) -> None:
    facts.icd10, uncoded = _diagnoses(message)
    facts.specialty = SpecialtyHints(
        provider_npis=_requested_npis(message), texts=_specialty_texts(message),
        icd10=list(facts.icd10),
    )
    facts.urgency = _urgency(message, facts)
    facts.window_start, facts.window_end = _window(message, problems)
    _read_authorization(message, facts, problems)
    reasons, notes = _nte_sections(message)
    facts.reason = "\n".join(reasons) or _order_reason(message) or (notes.pop(0) if notes else "")
    # Notes the readers above left (an unknown priority, an unread date) come last.
    facts.notes = [*notes, *uncoded, *facts.notes]


def patient_facts(message: Hl7Message, problems: list[Problem]) -> PatientFacts | None:
    """The patient of PID (and IN1), for other HL7 doors (SIU); problems appended."""
    return _patient(message, problems)


def _patient(message: Hl7Message, problems: list[Problem]) -> PatientFacts | None:
    pid = message.first("PID")
    if pid is None:
        problems.append(Problem("PID", "the message has no PID segment; a referral needs the "
                                       "patient (PID-5 name, PID-7 date of birth, PID-13 phone)",
                                MISSING))
        return None
    patient = PatientFacts()
    _read_name(pid, patient, problems)
    patient.dob = _dob(pid, problems)
    patient.phone = _phone(pid, problems)
    patient.language = language_of(pid.value(15, 1), pid.value(15, 2))
    _read_coverage(message, patient)
    return patient


def _read_name(pid: Segment, patient: PatientFacts, problems: list[Problem]) -> None:
    named = [i for i in range(pid.repetition_count(5)) if pid.value(5, 1, i) or pid.value(5, 2, i)]
    legal = next((i for i in named if pid.value(5, 7, i) == "L"), named[0] if named else 0)
    family, given, middle = (pid.value(5, n, legal).replace("^", " ") for n in (1, 2, 3))
    if not family or not given:
        missing = "family name (PID-5.1)" if not family else "given name (PID-5.2)"
        problems.append(Problem("PID-5", f"the patient's {missing} is empty", MISSING))
        return
    name = parse_stored_name(f"{family}^{given}^{middle}")
    patient.given_names, patient.surnames = name.given, name.surnames


def _dob(pid: Segment, problems: list[Problem]) -> date | None:
    raw = pid.value(7)
    if not raw:
        problems.append(Problem("PID-7", "the patient's date of birth is empty", MISSING))
        return None
    parsed = hl7_date(raw)
    if parsed is None:
        problems.append(Problem("PID-7", f"{raw!r} is not a date; send YYYYMMDD (19850403)"))
    return parsed


def _phone(pid: Segment, problems: list[Problem]) -> str | None:
    candidates = [(pid, 13, i) for i in range(pid.repetition_count(13))]
    candidates += [(pid, 14, i) for i in range(pid.repetition_count(14))]
    # Mobile first: outreach texts and early-morning calls reach a cell phone.
    candidates.sort(key=lambda c: 0 if c[0].value(c[1], 3, c[2]).upper() == "CP" else 1)
    for segment, number, repetition in candidates:
        phone = _xtn_phone(segment, number, repetition)
        if phone is not None:
            return phone
    problems.append(Problem("PID-13", "no phone number we can call: send the patient's phone "
                                      "as ^PRN^CP^^1^559^5550143", MISSING))
    return None


def _xtn_phone(segment: Segment, number: int, repetition: int) -> str | None:
    if segment.value(number, 3, repetition).upper() not in _CALLABLE:
        return None
    area, local = segment.value(number, 6, repetition), segment.value(number, 7, repetition)
    country = segment.value(number, 5, repetition) or "1"
    text = f"+{country}{area}{local}" if area and local else segment.value(number, 1, repetition)
    try:
        return normalize_phone(text) if text else None
    except InvalidArgument:
        return None


def _read_coverage(message: Hl7Message, patient: PatientFacts) -> None:
    for in1 in message.all("IN1"):
        texts = [in1.value(2, 2), in1.value(2, 1), in1.value(4, 1), in1.value(3, 1)]
        patient.plan_texts.extend(text for text in texts if text)
        patient.member_id = patient.member_id or _member_id(in1)


def _member_id(in1: Segment) -> str | None:
    # IN1-36 (policy number) or IN1-49 (insured's id) by the standard. Senders often
    # miscount the long run of empty IN1 fields, so a lone id-shaped value in the
    # fields between (money, counts and codes by the standard) is read as the id too.
    standard = in1.value(36) or in1.value(49)
    if standard:
        return standard
    for number in range(37, 49):
        raw = in1.raw(number)
        if _MEMBER_ID.match(raw):
            return raw
    return None


def _diagnoses(message: Hl7Message) -> tuple[list[str], list[str]]:
    codes: list[str] = []
    uncoded: list[str] = []
    for dg1 in message.all("DG1"):
        code, label, system = dg1.value(3, 1), dg1.value(3, 2), dg1.value(3, 3).upper()
        normalized = normalize_icd10(code) if code and system in _ICD10_SYSTEMS else None
        if normalized is not None:
            codes.append(normalized)
        elif code or label:
            uncoded.append(f"Diagnosis sent as {code or '-'} {label} ({system or 'no system'}); "
                           "not read as ICD-10-CM")
    return list(dict.fromkeys(codes)), uncoded


def _requested_npis(message: Hl7Message) -> list[str]:
    provider = _provider_segment(message, "RT")
    npi = _npi_of_identifiers(provider, 7) if provider is not None else None
    return [npi] if npi else []


def _specialty_texts(message: Hl7Message) -> list[str]:
    texts: list[str] = []
    provider = _provider_segment(message, "RT")
    if provider is not None:
        for number in sorted(provider.fields):
            if number > 2:
                texts.extend(_words_of(provider, number))
    for name, number in (("OBR", 4), ("OBR", 24), ("RF1", 5)):
        segment = message.first(name)
        if segment is not None and segment.value(number, 2):
            texts.append(segment.value(number, 2))
    return list(dict.fromkeys(texts))


def _urgency(message: Hl7Message, facts: ReferralFacts) -> Urgency:
    places = (("RF1", 2, 1), ("TQ1", 9, 1), ("ORC", 7, 6), ("OBR", 27, 6), ("OBR", 5, 1))
    for name, number, component in places:
        segment = message.first(name)
        code = segment.value(number, component) if segment is not None else ""
        if not code:
            continue
        urgency = urgency_of(code)
        if urgency is None:
            facts.notes.append(f"Priority {code!r} ({name}-{number}) not known; read as routine")
            return "routine"
        return urgency
    return "routine"


def _window(message: Hl7Message, problems: list[Problem]) -> tuple[date | None, date | None]:
    tq1 = message.first("TQ1")
    if tq1 is None:
        return None, None
    days: list[date | None] = []
    for number in (7, 8):
        raw = tq1.value(number)
        day = hl7_date(raw) if raw else None
        if raw and day is None:
            problems.append(Problem(f"TQ1-{number}", f"{raw!r} is not a date; send YYYYMMDD"))
        days.append(day)
    return days[0], days[1]


def _read_authorization(message: Hl7Message, facts: ReferralFacts,
                        problems: list[Problem]) -> None:
    aut = message.first("AUT")
    if aut is not None:
        # An AUT segment says the plan authorizes this visit, even before its number is
        # known; without the number the referral waits in needs_info asking for it.
        facts.authorization_required = True
        facts.authorization_number = aut.value(6) or None
        facts.authorization_from = _aut_date(aut, 4, problems)
        facts.authorization_until = _aut_date(aut, 5, problems)
    rf1 = message.first("RF1")
    if rf1 is None:
        return
    external = rf1.value(11)
    if not facts.authorization_number and external and external != facts.placer_id:
        facts.authorization_number, facts.authorization_required = external, True
    facts.authorization_from = facts.authorization_from or _rf1_date(rf1, 7, facts)
    facts.authorization_until = facts.authorization_until or _rf1_date(rf1, 8, facts)


def _aut_date(aut: Segment, number: int, problems: list[Problem]) -> date | None:
    raw = aut.value(number)
    day = hl7_date(raw) if raw else None
    if raw and day is None:
        problems.append(Problem(f"AUT-{number}", f"{raw!r} is not a date; send YYYYMMDD"))
    return day


def _rf1_date(rf1: Segment, number: int, facts: ReferralFacts) -> date | None:
    # The referral's own dates: an unreadable one is noted, not worth refusing it for.
    raw = rf1.value(number)
    day = hl7_date(raw) if raw else None
    if raw and day is None:
        facts.notes.append(f"RF1-{number} {raw!r} is not a date; the referral's "
                           f"{'effective' if number == 7 else 'expiration'} date was not read")
    return day


def _nte_sections(message: Hl7Message) -> tuple[list[str], list[str]]:
    reasons: list[str] = []
    notes: list[str] = []
    for nte in message.all("NTE"):
        text = nte.text(3)
        if text:
            (reasons if nte.value(4).upper() == "RE" else notes).append(text)
    return reasons, notes


def _notes_text(message: Hl7Message) -> str:
    reasons, notes = _nte_sections(message)
    return "\n".join(reasons + notes)


def _order_reason(message: Hl7Message) -> str:
    # OBR-31 is the reason for study; some 360X senders count one field too many and
    # put it in OBR-32 (an interpreter field nobody fills in a referral), so read both.
    for name, number in (("OBR", 31), ("OBR", 32), ("ORC", 16)):
        segment = message.first(name)
        if segment is not None:
            text = segment.value(number, 2) or segment.value(number, 1)
            if text:
                return text
    return ""


def _provider_segment(message: Hl7Message, role: str) -> Segment | None:
    return next((prd for prd in message.all("PRD") if prd.value(1).upper() == role), None)


def _npi_of_identifiers(segment: Segment, number: int) -> str | None:
    for repetition in range(segment.repetition_count(number)):
        identifier = segment.value(number, 1, repetition)
        kind = segment.value(number, 2, repetition).upper()
        if _NPI.match(identifier) and kind in ("NPI", ""):
            return identifier
    return None


def _last_component(segment: Segment, number: int) -> str:
    parts = [part.strip() for part in segment.components(number) if part.strip()]
    return parts[-1] if parts else ""


def _words_of(segment: Segment, number: int) -> list[str]:
    words = []
    for repetition in range(segment.repetition_count(number)):
        for part in segment.components(number, repetition):
            part = part.strip()
            if part and not part.isdigit() and part.upper() not in ("NPI", "HL70286"):
                words.append(part)
    return words


def hl7_date(raw: str) -> date | None:
    """Read the date part of an HL7 DT/DTM ("19850403", "20260908161200-0700")."""
    digits = raw.strip()[:8]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
