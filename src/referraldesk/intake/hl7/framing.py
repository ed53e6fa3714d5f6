"""Where one HL7 v2 message ends: segment endings, batch files and MLLP frames.

The standard ends segments with a carriage return; files edited on Windows or Unix,
and some interface engines, send `\\r\\n` or a bare `\\n`. All three are read the same
way, so a message never turns into one giant MSH segment (inputs.md M2).
"""

from __future__ import annotations

import re

# MLLP (HL7 v2 transport over TCP): <VT> message <FS><CR>.
START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
_LINE_BREAKS = re.compile(r"\r\n|\n\r|\r|\n")
# Batch envelopes around messages in a file; they carry no referral.
_BATCH_SEGMENTS = ("FHS", "BHS", "BTS", "FTS")


def segments_of(text: str) -> list[str]:
    """Split a message into segments, whatever ends its lines; blank lines dropped."""
    cleaned = text.strip("\ufeff\x0b\x1c \t\r\n")
    return [line.strip("\x0b\x1c") for line in _LINE_BREAKS.split(cleaned) if line.strip()]


def normalize(text: str) -> str:
    """Return the message with `\\r` after every segment, as hl7apy expects it."""
    return "\r".join(segments_of(text))


def split_messages(text: str) -> list[str]:
    """Split a file that may hold several messages (one per MSH) into messages."""
    messages: list[list[str]] = []
    for segment in segments_of(text):
        if segment[:3] in _BATCH_SEGMENTS:
            continue
        if segment.startswith("MSH") or not messages:
            messages.append([])
        messages[-1].append(segment)
    return ["\r".join(message) for message in messages]


def frame(message: str) -> bytes:
    """Wrap one message for MLLP."""
    return START_BLOCK + normalize(message).encode("utf-8") + b"\r" + END_BLOCK


def unframe(buffer: bytearray) -> bytes | None:
    """Take the first complete MLLP frame out of `buffer` and return its content.

    Returns None while the frame is incomplete. Bytes before a start block are
    noise (a keep-alive, a half-sent frame from a dropped connection) and dropped.
    """
    end = buffer.find(END_BLOCK)
    if end == -1:
        return None
    start = buffer.rfind(START_BLOCK, 0, end)
    content = bytes(buffer[start + 1:end]) if start != -1 else bytes(buffer[:end])
    del buffer[:end + len(END_BLOCK)]
    return content


def decode(content: bytes) -> str:
    """Bytes of a message as text: UTF-8, else Windows-1252 (older interface engines)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")
