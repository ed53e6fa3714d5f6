"""An HL7 v2 message read with hl7apy, with decoded access to its fields.

hl7apy parses the envelope and the segments (tolerant validation, no groups: we
take referral messages as senders really write them, with optional segments
missing and repeated ones in any order). Values come back decoded: components
split, escape sequences turned into text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# hl7apy ships no type hints.
from hl7apy.consts import VALIDATION_LEVEL  # type: ignore[import-untyped]
from hl7apy.exceptions import HL7apyException  # type: ignore[import-untyped]
from hl7apy.parser import parse_message  # type: ignore[import-untyped]

from referraldesk.intake.facts import MISSING, UNSUPPORTED, IntakeProblems, Problem
from referraldesk.intake.hl7.escapes import Delimiters, unescape
from referraldesk.intake.hl7.framing import segments_of


@dataclass
class Segment:
    """One segment: `fields[n]` holds the raw repetitions of field n (MSH counts MSH-1)."""

    name: str
    fields: dict[int, list[str]]
    delimiters: Delimiters

    def raw(self, number: int, repetition: int = 0) -> str:
        values = self.fields.get(number, [])
        return values[repetition] if repetition < len(values) else ""

    def repetitions(self, number: int) -> list[str]:
        """The field's repetitions that hold something (for reading them as text)."""
        return [value for value in self.fields.get(number, []) if value]

    def repetition_count(self, number: int) -> int:
        """How many repetitions the field has, empty ones included: the positions
        `value(number, component, repetition)` takes."""
        return len(self.fields.get(number, []))

    def components(self, number: int, repetition: int = 0) -> list[str]:
        """The decoded components of one repetition; subcomponents after the first dropped."""
        raw = self.raw(number, repetition)
        return [self._decode(part.split(self.delimiters.subcomponent, 1)[0])
                for part in raw.split(self.delimiters.component)]

    def value(self, number: int, component: int = 1, repetition: int = 0) -> str:
        """One decoded component (1-based), or "" when absent."""
        parts = self.components(number, repetition)
        return parts[component - 1].strip() if component <= len(parts) else ""

    def text(self, number: int) -> str:
        """A free-text field (NTE-3, OBX-5 FT): every repetition decoded, one per line."""
        return "\n".join(self._decode(raw).strip() for raw in self.repetitions(number)).strip()

    def _decode(self, raw: str) -> str:
        return unescape(raw, self.delimiters)


@dataclass
class Hl7Message:
    """A parsed message: its segments in order, and the MSH facts every answer needs."""

    segments: list[Segment]
    delimiters: Delimiters
    version: str
    structure: str = ""
    names: list[str] = field(default_factory=list)

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    @property
    def message_code(self) -> str:
        return self.msh.value(9, 1).upper()

    @property
    def trigger(self) -> str:
        return self.msh.value(9, 2).upper()

    @property
    def control_id(self) -> str:
        return self.msh.value(10)

    @property
    def sender(self) -> str:
        return "|".join(part for part in (self.msh.value(3), self.msh.value(4)) if part)

    def first(self, name: str) -> Segment | None:
        return next((segment for segment in self.segments if segment.name == name), None)

    def all(self, name: str) -> list[Segment]:
        return [segment for segment in self.segments if segment.name == name]


def read_message(text: str) -> Hl7Message:
    """Parse one message; raises IntakeProblems (kind unsupported) when it cannot be read."""
    segments = segments_of(text)
    _check_envelope(segments)
    _check_size(segments)
    delimiters = Delimiters.from_msh(segments[0])
    try:
        parsed = parse_message(
            "\r".join(segments), validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=False
        )
    except HL7apyException as exc:
        raise IntakeProblems([Problem("MSH", f"the message could not be parsed as HL7 v2 "
                                             f"({exc}); check MSH-2, MSH-9 and MSH-12",
                                      UNSUPPORTED)]) from exc
    # hl7apy checks the envelope and the structure; the values are read from the text
    # itself, because its to_er7() escapes the escape character again before sequences
    # it does not know (`\.br\`, `\X0D\`), which would then arrive literally.
    read = [_segment(text, delimiters) for text in segments]
    return Hl7Message(segments=read, delimiters=delimiters, version=str(parsed.version),
                      structure=str(parsed.name), names=[s.name for s in read])


# A referral is a dozen segments; thousands are an error or an attack. hl7apy's
# parse time grows with the square of the segment count, so refuse before it.
MAX_SEGMENTS = 200
MAX_SEGMENT_CHARACTERS = 20_000


def _check_size(segments: list[str]) -> None:
    if len(segments) > MAX_SEGMENTS:
        raise IntakeProblems([Problem(
            "MSH", f"the message has {len(segments)} segments; at most {MAX_SEGMENTS} are "
                   "taken: send one referral per message", UNSUPPORTED)])
    for index, segment in enumerate(segments, start=1):
        if len(segment) > MAX_SEGMENT_CHARACTERS:
            raise IntakeProblems([Problem(
                segment[:3], f"segment {index} ({segment[:3]}) is {len(segment)} characters "
                             f"long; at most {MAX_SEGMENT_CHARACTERS} are taken", UNSUPPORTED)])


def _check_envelope(segments: list[str]) -> None:
    if not segments or not segments[0].startswith("MSH") or len(segments[0]) < 8:
        raise IntakeProblems([Problem(
            "MSH", "the message does not start with an MSH segment; send an HL7 v2 message "
                   "(MSH|^~\\&|...) with segments ending in a carriage return", UNSUPPORTED)])
    msh = segments[0].split(segments[0][3])
    problems = []
    if len(msh) < 9 or not msh[8].strip():
        problems.append(Problem("MSH-9", "the message type is empty; send REF^I12, REF^I13, "
                                         "REF^I14 or OMG^O19", MISSING))
    if len(msh) < 10 or not msh[9].strip():
        problems.append(Problem("MSH-10", "the message control id is empty; every message "
                                          "needs one, echoed in our ACK", MISSING))
    if problems:
        raise IntakeProblems(problems)


def _segment(text: str, delimiters: Delimiters) -> Segment:
    """One segment's fields, numbered as HL7 numbers them, each split into repetitions."""
    parts = text.split(delimiters.field)
    # As hl7apy reads it: " nte" is NTE; a note must not be lost to a stray space.
    name = parts[0].strip().upper()
    fields: dict[int, list[str]] = {}
    if name == "MSH":
        # MSH-1 is the field separator itself and MSH-2 the encoding characters, which
        # hold the repetition separator: neither is split.
        fields[1] = [delimiters.field]
        fields[2] = parts[1:2]
        numbered = enumerate(parts[2:], start=3)
    else:
        numbered = enumerate(parts[1:], start=1)
    for number, value in numbered:
        if value:
            fields[number] = value.split(delimiters.repetition)
    return Segment(name=name, fields=fields, delimiters=delimiters)
