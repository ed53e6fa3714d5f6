"""The practice a referral comes from: found by NPI, then by name, else registered.

Referring systems spell their own name in many ways ("VALLEY FAMILY MEDICINE" in
MSH-4, "Valley Family Medicine" in PRD-4), so the NPI the practice file gives a
practice (a clinic's own, or its one doctor's) is the better key when the referral
carries it. A practice first seen at intake is registered with protocol
"none": nobody has said how it takes replies, so the outbox keeps a letter for staff
to fax or phone (loop/outbox.py) and the nudge list flags the practice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.logging import get_logger
from referraldesk.models import ReferringPractice
from referraldesk.patients.names import fold, printable_name

log = get_logger(__name__)

NO_PROTOCOL = "none"
MESSAGE_PROTOCOLS = ("hl7_mllp", "hl7_http", "fhir")
FIELD = "referring_practice"
# ReferringPractice.name is String(200).
NAME_MAX = 200


def practice_name(name: str, field: str = FIELD) -> str:
    """A practice's name as a referral sends it, as we keep it: single-spaced, and
    InvalidArgument naming `field` when it holds a control or format character or is
    longer than NAME_MAX.

    Refused rather than stripped although the name is only a label: an HL7, FHIR or
    CSV message waits in the intake queue to be replayed, and an API caller hears 422
    and sends again, so no referral is lost; whereas a stripped name ("[31mValley"
    from "\\x1b[31mValley") would be filed in the practice directory for good, and
    every later referral matched to it.
    """
    printable = printable_name(name, field)
    if len(printable) > NAME_MAX:
        raise InvalidArgument(f"the referring practice's name is {len(printable)} characters "
                              f"long; at most {NAME_MAX}", field=field)
    return printable


def find_referring_practice(
    session: Session, name: str, npi: str | None = None
) -> ReferringPractice | None:
    """The practice on file with this NPI, else with this name (accents and case folded)."""
    practices = list(session.scalars(select(ReferringPractice).order_by(ReferringPractice.name)))
    folded = fold(name)
    by_name = [p for p in practices if fold(p.name) == folded]
    by_npi = [p for p in practices if npi and p.npi == npi]
    if by_npi:
        # Two practices with one NPI (a provider who moved, a typo in the practice
        # file): the one whose name also agrees, else one we know how to answer.
        agreeing = [p for p in by_npi if p in by_name] or [p for p in by_npi if can_be_told(p)]
        return (agreeing or by_npi)[0]
    return by_name[0] if by_name else None


def referring_practice_for(
    session: Session, name: str, npi: str | None = None
) -> ReferringPractice:
    """The practice on file (see `find_referring_practice`), or a new one with protocol "none".

    A new practice does not keep the NPI: the one a referral carries is the referring
    provider's, and a provider who works at two practices must not merge them. A name
    `practice_name` refuses raises InvalidArgument.
    """
    name = practice_name(name)
    found = find_referring_practice(session, name, npi)
    if found is not None:
        return found
    practice = ReferringPractice(name=name, protocol=NO_PROTOCOL)
    try:
        with session.begin_nested():
            session.add(practice)
            session.flush()
    except IntegrityError:
        # Race: another intake created the same practice a moment ago.
        raced = session.scalar(select(ReferringPractice).where(ReferringPractice.name == name))
        if raced is None:
            raise
        return raced
    log.info("referring_practice_created", referring_practice_id=practice.id, told_by="staff")
    return practice


def can_be_told(practice: ReferringPractice) -> bool:
    """True when the practice file says how the practice takes replies: an endpoint, or a fax."""
    if practice.protocol in MESSAGE_PROTOCOLS:
        return bool(practice.endpoint)
    return practice.protocol == "fax" and bool(practice.fax)


# What staff read beside a practice that cannot be told: the letters wait for them.
TELL_BY_HAND = ("not in the practice file: phone or fax the practice its status letters, "
                "then add it under referring_practices with its protocol")
