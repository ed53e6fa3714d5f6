"""SIU messages as a practice-management system's interface engine writes them."""

from __future__ import annotations

from referraldesk.audit.trail import Actor

# Wednesday 2026-03-04, 10:00 in Visalia; DST starts on Sunday 2026-03-08.
NOW = "2026-03-04T10:00:00-08:00"
PM = Actor(name="integration:pm-interface", role="integration")
VILLANUEVA_NPI = "1904000118"
# Monday 2026-03-09 09:00 in Visalia is 16:00 UTC (PDT, -07:00).
MONDAY_NINE = "202603090900"


def siu(
    trigger: str,
    filler_id: str = "PM-1001",
    *,
    start: str = MONDAY_NINE,
    minutes: int = 30,
    npi: str = VILLANUEVA_NPI,
    site: str = "visalia",
    status: str = "Booked",
    placer_id: str = "",
    our_id: str = "",
    control_id: str | None = None,
    patient: str = "PID|1||MRN-77^^^PMS^MR||López García^María Elena||19850403|F|||||"
                   "^PRN^CP^^1^559^5550143",
) -> str:
    """One SIU^<trigger> message, segments ended by `\\r`; `our_id` goes in SCH-1 as
    the placer appointment id of a booking we sent (`<id>^REFERRALDESK`)."""
    control = control_id or f"{trigger}-{filler_id}"
    segments = [
        f"MSH|^~\\&|PMS|SEQUOIA|REFERRALDESK|SVOH|20260304100000-0800||SIU^{trigger}^SIU_S12|"
        f"{control}|P|2.5.1",
        _sch(filler_id, status, placer_id, our_id),
        f"TQ1|1||||||{start}|",
        patient,
        "RGS|1|A",
        f"AIS|1|A|99203^New patient visit^CPT|{start}|||{minutes}|min",
        f"AIL|1|A|{site}^^^Sequoia Valley Occupational Health - Visalia|||{start}",
        f"AIP|1|A|{npi}^Villanueva^Sofía^^^^^^NPI|||{start}",
    ]
    return "\r".join(segments) + "\r"


def _sch(filler_id: str, status: str, placer_id: str, our_id: str = "") -> str:
    fields = [""] * 27
    fields[1] = f"{our_id}^REFERRALDESK" if our_id else ""
    fields[2], fields[7] = f"{filler_id}^PMS", "FOLLOWUP^Follow-up"
    fields[25], fields[26] = status, placer_id
    return "SCH" + "|".join(fields[1:]).join(["|", ""])


def ack_code(reply: str) -> str:
    msa = next(line for line in reply.split("\r") if line.startswith("MSA|"))
    return msa.split("|")[1]


def ack_text(reply: str) -> str:
    msa = next(line for line in reply.split("\r") if line.startswith("MSA|"))
    return msa.split("|")[3]
