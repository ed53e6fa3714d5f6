"""The HL7 v2 ACK we answer every message with (original acknowledgment mode).

MSA-1 is AA when the referral was taken in (a duplicate too: MSA-3 says so), AE
when the message was read but cannot be applied, AR when it is not a message we
take at all. Every problem gets an ERR segment (location, table 0357 code, text);
MSA-2 echoes the sender's MSH-10. Text is escaped the way the sender escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from referraldesk.clock import now
from referraldesk.db.base import new_id
from referraldesk.intake.facts import (
    CONFLICT,
    INTERNAL,
    MISSING,
    NOT_FOUND,
    UNSUPPORTED,
    Problem,
)
from referraldesk.intake.hl7.escapes import Delimiters, escape
from referraldesk.intake.hl7.framing import segments_of

ACCEPT = "AA"
ERROR = "AE"
REJECT = "AR"
OUR_APPLICATION = "REFERRALDESK"
# MSA-3 is an ST of 80 characters in v2.5.1; the whole text goes in ERR-8.
MSA_TEXT_LIMIT = 80
DEFAULT_VERSION = "2.5.1"


@dataclass(frozen=True)
class AckContext:
    """What an answer echoes from the message it answers (read from the raw MSH)."""

    delimiters: Delimiters
    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    control_id: str = ""
    trigger: str = ""
    version: str = DEFAULT_VERSION


def ack_context(text: str) -> AckContext:
    """Read the MSH fields an ACK echoes; works on messages hl7apy refused too."""
    segments = segments_of(text)
    msh = segments[0] if segments and segments[0].startswith("MSH") else ""
    delimiters = Delimiters.from_msh(msh)
    fields = msh.split(delimiters.field) if msh else []

    def field(number: int) -> str:
        # MSH-1 is the separator itself, so MSH-n sits at index n - 1 after the split.
        return fields[number - 1].strip() if len(fields) >= number else ""

    trigger_parts = field(9).split(delimiters.component)
    return AckContext(
        delimiters=delimiters,
        sending_application=field(3),
        sending_facility=field(4),
        receiving_application=field(5),
        receiving_facility=field(6),
        control_id=field(10)[:199],
        trigger=trigger_parts[1] if len(trigger_parts) > 1 else "",
        version=field(12).split(delimiters.component)[0] or DEFAULT_VERSION,
    )


def ack_code_for(problems: list[Problem]) -> str:
    """AR when the message is not one we take, AE when it is but cannot be applied."""
    return REJECT if any(problem.kind == UNSUPPORTED for problem in problems) else ERROR


def build_ack(
    context: AckContext, code: str, text: str, problems: Sequence[Problem] = ()
) -> str:
    """Return the ACK message, segments ended by `\\r`."""
    d = context.delimiters
    sep = d.field
    msh = sep.join([
        "MSH", d.encoding_characters, OUR_APPLICATION,
        context.receiving_facility, context.sending_application, context.sending_facility,
        now().strftime("%Y%m%d%H%M%S+0000"), "",
        d.component.join(["ACK", context.trigger, "ACK"]) if context.trigger else "ACK",
        new_id()[:20], "P", context.version,
    ])
    msa = sep.join(["MSA", code, context.control_id, escape(_short(text), d)])
    errs = [_err(problem, d) for problem in problems]
    return "\r".join([msh, msa, *errs]) + "\r"


def _err(problem: Problem, d: Delimiters) -> str:
    number, label = _error_code(problem)
    error = d.component.join([number, escape(label, d), "HL70357"])
    return d.field.join(["ERR", "", _location(problem.where, d), error, "E", "", "", "",
                         escape(str(problem), d)])


def _error_code(problem: Problem) -> tuple[str, str]:
    if problem.kind == UNSUPPORTED:
        return "200", "Unsupported message type"
    if problem.kind == MISSING and "-" not in problem.where:
        return "100", "Segment sequence error"
    if problem.kind == MISSING:
        return "101", "Required field missing"
    if problem.kind == NOT_FOUND:
        return "204", "Unknown key identifier"
    if problem.kind == CONFLICT:
        return "205", "Duplicate key identifier"
    if problem.kind == INTERNAL:
        return "207", "Application internal error"
    return "102", "Data type error"


def _location(where: str, d: Delimiters) -> str:
    """"PID-7" -> "PID^1^7" (ERR-2, ERL); a place that is not a segment is left out."""
    segment, _, field = where.partition("-")
    if len(segment) != 3 or not segment.isalnum() or not segment.isupper():
        return ""
    return d.component.join([segment, "1", field]) if field.isdigit() else segment


def _short(text: str) -> str:
    single = " ".join(text.split())
    return single if len(single) <= MSA_TEXT_LIMIT else single[:MSA_TEXT_LIMIT - 3] + "..."
