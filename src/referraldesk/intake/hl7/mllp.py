"""A small MLLP listener: HL7 v2 over TCP, one ACK per message, in order.

Each connection reads frames (<VT> message <FS><CR>) and answers each with a framed
ACK before reading the next, as MLLP senders expect. The database work runs in a
worker thread with its own transaction per message, so one slow message does not
stall other connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_scope
from referraldesk.intake.hl7.ack import ERROR, ack_context, build_ack
from referraldesk.intake.hl7.framing import decode, frame, unframe
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.logging import get_logger

log = get_logger(__name__)

MLLP_ACTOR = Actor(name="system:mllp", role="system")
# A referral with attachments inline is large, but never this large; a sender that
# streams more without a frame end is broken, and holding it would exhaust memory.
MAX_FRAME_BYTES = 8 * 1024 * 1024
READ_CHUNK_BYTES = 65536

Handler = Callable[[str], str]


def store_and_acknowledge(text: str) -> str:
    """Take one message in its own transaction and return the ACK text."""
    try:
        with session_scope() as session:
            return receive_hl7(session, MLLP_ACTOR, text, channel="hl7_mllp").reply
    except Exception as exc:  # reported to the sender: the message was not kept, resend it
        log.error("mllp_message_not_stored", error=type(exc).__name__)
        return build_ack(ack_context(text), ERROR,
                         "the message could not be stored just now; send it again")


class MllpServer:
    """Listens for MLLP connections; `handler` turns one message into its ACK."""

    def __init__(self, handler: Handler = store_and_acknowledge):
        self._handler = handler
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Start listening; returns the port (useful when `port` is 0)."""
        self._server = await asyncio.start_server(self._connection, host, port)
        bound = int(self._server.sockets[0].getsockname()[1])
        log.info("mllp_listening", host=host, port=bound)
        return bound

    async def serve_forever(self) -> None:
        if self._server is None:
            raise RuntimeError("call start() before serve_forever()")
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = bytearray()
        try:
            while chunk := await reader.read(READ_CHUNK_BYTES):
                buffer.extend(chunk)
                await self._answer_frames(buffer, writer)
                if len(buffer) > MAX_FRAME_BYTES:
                    log.warning("mllp_frame_too_large", size=len(buffer))
                    break
        except ConnectionError as exc:
            log.info("mllp_connection_lost", error=type(exc).__name__)
        finally:
            writer.close()
            await _closed(writer)

    async def _answer_frames(self, buffer: bytearray, writer: asyncio.StreamWriter) -> None:
        while (content := unframe(buffer)) is not None:
            if not content.strip():
                continue
            ack = await asyncio.to_thread(self._handler, decode(content))
            writer.write(frame(ack))
            await writer.drain()


async def _closed(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.wait_closed()
    except ConnectionError:
        log.info("mllp_connection_reset")
