"""HL7 v2 escape sequences, both ways.

Field values are taken from the message text still escaped (intake/hl7/message.py;
hl7apy's own rendering escapes the escape character of sequences it does not know
again), and hl7apy's escaping skips the escape character when a letter such as F or
R follows it, so text is decoded and encoded here: `\\F\\` field, `\\S\\` component,
`\\T\\` subcomponent, `\\R\\` repetition, `\\E\\` the escape character itself, `\\X..\\`
hex bytes. Formatting sequences (`\\H\\`, `\\N\\`, `\\.br\\` ...) are display hints: `.br`
becomes a line break, the others are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delimiters:
    """The message's separators, from MSH-1 and MSH-2."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_msh(cls, segment: str) -> Delimiters:
        """Read the separators a message declares in its MSH segment."""
        if len(segment) < 8 or not segment.startswith("MSH"):
            return cls()
        field = segment[3]
        chars = segment[4:].split(field, 1)[0]
        default = cls()
        return cls(
            field=field,
            component=chars[0] if len(chars) > 0 else default.component,
            repetition=chars[1] if len(chars) > 1 else default.repetition,
            escape=chars[2] if len(chars) > 2 else default.escape,
            subcomponent=chars[3] if len(chars) > 3 else default.subcomponent,
        )

    @property
    def encoding_characters(self) -> str:
        return f"{self.component}{self.repetition}{self.escape}{self.subcomponent}"


DEFAULT_DELIMITERS = Delimiters()


def unescape(text: str, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """Decode the escape sequences in one field value."""
    esc = delimiters.escape
    if esc not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        end = text.find(esc, i + 1) if char == esc else -1
        if end == -1:
            out.append(char)
            i += 1
            continue
        out.append(_decode_sequence(text[i + 1:end], delimiters))
        i = end + 1
    return "".join(out)


def escape(text: str, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """Encode a value so it can travel inside a field: the inverse of `unescape`."""
    esc = delimiters.escape
    table = {
        esc: f"{esc}E{esc}",
        delimiters.field: f"{esc}F{esc}",
        delimiters.component: f"{esc}S{esc}",
        delimiters.subcomponent: f"{esc}T{esc}",
        delimiters.repetition: f"{esc}R{esc}",
        # A segment break inside a value would end the segment early.
        "\r": f"{esc}.br{esc}",
        "\n": f"{esc}.br{esc}",
    }
    return "".join(table.get(char, char) for char in text.replace("\r\n", "\n"))


def _decode_sequence(code: str, delimiters: Delimiters) -> str:
    simple = {
        "F": delimiters.field,
        "S": delimiters.component,
        "T": delimiters.subcomponent,
        "R": delimiters.repetition,
        "E": delimiters.escape,
        ".br": "\n",
    }
    if code in simple:
        return simple[code]
    if code.startswith("X") and _is_hex(code[1:]):
        return _hex_text(bytes.fromhex(code[1:]))
    # \H\, \N\ (highlighting), \.sp\, \.in\ ... format a display; the text is what counts.
    return ""


def _hex_text(raw: bytes) -> str:
    """Hex-escaped bytes as text: UTF-8 when they are (`\\XC3A9\\` is é), else Windows-1252,
    what senders without UTF-8 write. Control characters are dropped, line breaks kept:
    a NUL cannot be stored, and an ESC in a note would drive a terminal."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\n\t" or (c >= " " and c != "\x7f"))


def _is_hex(text: str) -> bool:
    return bool(text) and len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text)
