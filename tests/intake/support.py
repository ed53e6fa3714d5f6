"""Helpers for intake tests: the samples, the clock, reading an ACK."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from referraldesk.audit.trail import Actor

# REFERRALDESK_SAMPLES_DIR, else <clone>/../shared/samples, else the suite's own copy
# (tests/data/samples/README.md).
_CLONE = Path(__file__).resolve().parents[2]
_SHARED = _CLONE.parent / "shared" / "samples"
SAMPLES = Path(os.environ.get("REFERRALDESK_SAMPLES_DIR")
               or (_SHARED if _SHARED.is_dir() else _CLONE / "tests" / "data" / "samples"))
# Wednesday 2026-03-04, 10:00 in Visalia (inputs.md's "today").
NOW = "2026-03-04T10:00:00-08:00"
INTEGRATION = Actor(name="integration:valley-ehr", role="integration")
STAFF = Actor(name="staff:coordinator@example.org", role="staff")
HL7_SAMPLES = (
    "ref_i12_orthopedics.hl7",
    "ref_i12_dermatology_crlf.hl7",
    "omg_o19_360x_cardiology.hl7",
    "ref_i14_cancel_orthopedics.hl7",
    "broken_no_patient.hl7",
)


def sample(name: str) -> str:
    """A file of the shared samples, as text with its own line endings untouched."""
    with (SAMPLES / name).open(encoding="utf-8", newline="") as file:
        return file.read()


def with_endings(text: str, ending: str) -> str:
    """The message with every segment ended by `ending`."""
    lines = [line for line in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if line]
    return ending.join(lines) + ending


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass(frozen=True)
class Ack:
    code: str
    control_id: str
    text: str
    errors: list[list[str]]
    message_type: str


def read_ack(text: str) -> Ack:
    segments = [line.split("|") for line in text.split("\r") if line]
    msh, msa = segments[0], segments[1]
    return Ack(code=msa[1], control_id=msa[2], text=msa[3] if len(msa) > 3 else "",
               errors=[s for s in segments if s[0] == "ERR"], message_type=msh[8])
