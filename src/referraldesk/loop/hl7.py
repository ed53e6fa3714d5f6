"""HL7 v2.5.1 messages back to a referring practice, built segment by segment with hl7apy.

- RRI^I12 (the answer to a REF^I12) or OSU^O51 (to an OMG^O19, IHE 360X) for a change
  of status: accepted, rejected, cancelled, visit kept, closed, and the lost ends;
- SIU^S12 when the visit is booked, SIU^S13 when it moves, SIU^S26 when the patient did
  not come.

Free text is escaped before it goes into a field (`\\T\\` for &, `\\S\\` for ^, `\\E\\` for
the escape character ...: inputs.md M1); hl7apy would read a bare ^ in a value as a
component separator, and its own escaping misses an escape character followed by a
letter such as R.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hl7apy.core import Segment
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.db.base import new_id
from referraldesk.intake.hl7.escapes import escape
from referraldesk.intake.hl7.framing import segments_of
from referraldesk.models import (
    Appointment,
    IntakeMessage,
    Patient,
    Practice,
    Referral,
    ReferringPractice,
)
from referraldesk.referrals import lifecycle

VERSION = "2.5.1"
OUR_APPLICATION = "REFERRALDESK"
RRI = "RRI^I12"
OSU = "OSU^O51"
SIU_BOOKED = "SIU^S12"
SIU_NO_SHOW = "SIU^S26"
SIU_RESCHEDULED = "SIU^S13"
# Not a lifecycle state: the referral stays scheduled while its visit moves.
RESCHEDULED = "rescheduled"
_STRUCTURES = {
    RRI: "RRI^I12^RRI_I12",
    OSU: "OSU^O51^OSU_O51",
    SIU_BOOKED: "SIU^S12^SIU_S12",
    SIU_NO_SHOW: "SIU^S26^SIU_S12",
    SIU_RESCHEDULED: "SIU^S13^SIU_S12",
}
# HL7 table 0283 (referral status) for RF1-1.
_RF1_STATUS = {
    lifecycle.REJECTED: "R",
    lifecycle.EXPIRED: "E",
    lifecycle.DECLINED: "E",
    lifecycle.UNREACHABLE: "E",
    lifecycle.CANCELLED: "E",
}
# HL7 table 0038 (order status) for ORC-5.
_ORDER_STATUS = {
    lifecycle.ACCEPTED: "IP",
    lifecycle.SCHEDULED: "SC",
    lifecycle.VISIT_KEPT: "IP",
    lifecycle.CLOSED: "CM",
    lifecycle.REJECTED: "CA",
    lifecycle.CANCELLED: "CA",
    lifecycle.DECLINED: "DC",
    lifecycle.UNREACHABLE: "DC",
    lifecycle.EXPIRED: "DC",
}


@dataclass(frozen=True)
class Hl7Out:
    """One message ready to send: its type ("SIU^S12"), MSH-10, and the text (`\\r` ends)."""

    message_type: str
    control_id: str
    text: str


@dataclass(frozen=True)
class _Envelope:
    """Who the message goes to, read from the referral's own HL7 message when there was one."""

    receiving_application: str
    receiving_facility: str
    original_control_id: str
    came_as_order: bool


def build_message(
    session: Session, referral: Referral, practice: ReferringPractice, kind: str, note: str | None
) -> Hl7Out:
    """The message telling `practice` that `referral` moved to `kind` (a lifecycle state).

    `note` is free text for an NTE segment (a reason, the consult note).
    """
    envelope = _envelope(session, referral, practice)
    message_type = _message_type(kind, envelope)
    control_id = new_id()[:20]
    segments = [_msh(session, envelope, message_type, control_id)]
    if message_type in (SIU_BOOKED, SIU_NO_SHOW, SIU_RESCHEDULED):
        segments.extend(_schedule(session, referral, kind, note))
    elif message_type == OSU:
        segments.extend(_order_status(referral, envelope, kind, note))
    else:
        segments.extend(_referral_status(session, referral, envelope, kind, note))
    text = "\r".join(segment.to_er7() for segment in segments) + "\r"
    return Hl7Out(message_type, control_id, text)


def ack_code(text: str) -> tuple[str, str]:
    """MSA-1 and MSA-2 of an acknowledgment ("", "" when there is no MSA)."""
    for segment in segments_of(text):
        if segment.startswith("MSA"):
            fields = segment.split(segment[3]) if len(segment) > 3 else []
            return (
                fields[1].strip() if len(fields) > 1 else "",
                fields[2].strip() if len(fields) > 2 else "",
            )
    return "", ""


def _message_type(kind: str, envelope: _Envelope) -> str:
    if kind == lifecycle.SCHEDULED:
        return SIU_BOOKED
    if kind == lifecycle.NO_SHOW:
        return SIU_NO_SHOW
    if kind == RESCHEDULED:
        return SIU_RESCHEDULED
    return OSU if envelope.came_as_order else RRI


def _envelope(session: Session, referral: Referral, practice: ReferringPractice) -> _Envelope:
    original = session.scalar(
        select(IntakeMessage)
        .where(IntakeMessage.referral_id == referral.id, IntakeMessage.channel.like("hl7%"))
        .order_by(IntakeMessage.received_at)
        .limit(1)
    )
    if original is None:
        return _Envelope(escape(practice.name), "", "", False)
    msh = next((s for s in segments_of(original.body) if s.startswith("MSH")), "")
    separator = msh[3] if len(msh) > 3 else "|"
    fields = msh.split(separator)

    def field(number: int) -> str:
        # MSH-1 is the separator itself, so MSH-n sits at index n - 1.
        return fields[number - 1] if len(fields) >= number else ""

    return _Envelope(
        receiving_application=field(3) or escape(practice.name),
        receiving_facility=field(4),
        original_control_id=field(10),
        came_as_order=field(9).startswith("OMG"),
    )


def _msh(session: Session, envelope: _Envelope, message_type: str, control_id: str) -> Segment:
    ours = session.scalar(select(Practice.name).limit(1)) or ""
    msh = Segment("MSH", version=VERSION)
    msh.msh_1 = "|"
    msh.msh_2 = "^~\\&"
    msh.msh_3 = OUR_APPLICATION
    msh.msh_4 = escape(ours)
    msh.msh_5 = envelope.receiving_application
    msh.msh_6 = envelope.receiving_facility
    msh.msh_7 = _timestamp(now())
    msh.msh_9 = _STRUCTURES[message_type]
    msh.msh_10 = control_id
    msh.msh_11 = "P"
    msh.msh_12 = VERSION
    return msh


def _referral_status(
    session: Session, referral: Referral, envelope: _Envelope, kind: str, note: str | None
) -> list[Segment]:
    segments: list[Segment] = []
    if envelope.original_control_id:
        segments.append(_msa(envelope))
    rf1 = Segment("RF1", version=VERSION)
    code = _RF1_STATUS.get(kind, "A")
    rf1.rf1_1 = f"{code}^{escape(lifecycle.label(kind))}^HL70283"
    rf1.rf1_2 = "S^STAT^HL70280" if referral.urgency == "urgent" else "R^Routine^HL70280"
    rf1.rf1_6 = escape(referral.placer_id or "")
    rf1.rf1_11 = referral.id
    prd = Segment("PRD", version=VERSION)
    prd.prd_1 = "RT^Referred to provider^HL70286"
    prd.prd_2 = escape(session.scalar(select(Practice.name).limit(1)) or OUR_APPLICATION)
    segments.extend([rf1, prd, _pid(referral.patient)])
    segments.extend(_notes(kind, referral, note))
    return segments


def _order_status(
    referral: Referral, envelope: _Envelope, kind: str, note: str | None
) -> list[Segment]:
    orc = Segment("ORC", version=VERSION)
    orc.orc_1 = "SC"
    orc.orc_2 = escape(referral.placer_id or "")
    orc.orc_3 = f"{referral.id}^{OUR_APPLICATION}"
    orc.orc_5 = _ORDER_STATUS.get(kind, "IP")
    orc.orc_25 = f"{kind}^{escape(lifecycle.label(kind))}^{OUR_APPLICATION}"
    return [_msa(envelope), _pid(referral.patient), orc, *_notes(kind, referral, note)]


def _schedule(session: Session, referral: Referral, kind: str, note: str | None) -> list[Segment]:
    appointment = (
        session.get(Appointment, referral.appointment_id) if referral.appointment_id else None
    )
    sch = Segment("SCH", version=VERSION)
    sch.sch_6 = "REFERRAL^Referral visit"
    sch.sch_25 = "Noshow" if kind == lifecycle.NO_SHOW else "Booked"
    sch.sch_26 = escape(referral.placer_id or "")
    sch.sch_27 = f"{referral.id}^{OUR_APPLICATION}"
    segments: list[Segment] = [sch]
    if appointment is not None:
        sch.sch_2 = f"{appointment.id}^{OUR_APPLICATION}"
        minutes = int((appointment.end_at - appointment.start_at).total_seconds() // 60)
        sch.sch_9 = str(minutes)
        sch.sch_10 = "min^minutes^ISO+"
        tq1 = Segment("TQ1", version=VERSION)
        tq1.tq1_7 = _timestamp(appointment.start_at)
        tq1.tq1_8 = _timestamp(appointment.end_at)
        segments.append(tq1)
    segments.extend(_notes(kind, referral, note))
    segments.append(_pid(referral.patient))
    if appointment is not None:
        segments.extend(_resources(appointment))
    return segments


def _resources(appointment: Appointment) -> list[Segment]:
    rgs = Segment("RGS", version=VERSION)
    rgs.rgs_1 = "1"
    rgs.rgs_2 = "A"
    ail = Segment("AIL", version=VERSION)
    ail.ail_1 = "1"
    ail.ail_3 = f"^^^{escape(appointment.location.name)}"
    ail.ail_6 = _timestamp(appointment.start_at)
    aip = Segment("AIP", version=VERSION)
    aip.aip_1 = "1"
    provider = appointment.provider
    aip.aip_3 = (
        f"{provider.npi}^{escape(provider.family_name)}^{escape(provider.given_name)}^^^^^^NPI"
    )
    aip.aip_6 = _timestamp(appointment.start_at)
    return [rgs, ail, aip]


def _msa(envelope: _Envelope) -> Segment:
    msa = Segment("MSA", version=VERSION)
    msa.msa_1 = "AA"
    msa.msa_2 = envelope.original_control_id
    return msa


def _pid(patient: Patient) -> Segment:
    pid = Segment("PID", version=VERSION)
    pid.pid_1 = "1"
    pid.pid_3 = f"{patient.id}^^^{OUR_APPLICATION}^PI"
    family = " ".join(patient.surnames)
    pid.pid_5 = f"{escape(family)}^{escape(patient.given_names)}"
    pid.pid_7 = patient.dob.strftime("%Y%m%d")
    return pid


def _notes(kind: str, referral: Referral, note: str | None) -> list[Segment]:
    texts = [f"Status: {'Rescheduled' if kind == RESCHEDULED else lifecycle.label(kind)}"]
    if referral.leakage_reason and kind in lifecycle.LEAKING:
        texts.append(f"Reason: {referral.leakage_reason.replace('_', ' ')}")
    if note:
        texts.append(note)
    segments = []
    for number, text in enumerate(texts, start=1):
        nte = Segment("NTE", version=VERSION)
        nte.nte_1 = str(number)
        nte.nte_3 = escape(text)
        segments.append(nte)
    return segments


def _timestamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


# For the other SIU builders (the PM feed): the same segments, under public names.
def pid_segment(patient: Patient) -> Segment:
    return _pid(patient)


def resource_segments(appointment: Appointment) -> list[Segment]:
    return _resources(appointment)


def timestamp(instant: datetime) -> str:
    return _timestamp(instant)
