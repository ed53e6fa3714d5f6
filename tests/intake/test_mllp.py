"""MLLP: a real socket on 127.0.0.1, framed messages in, framed ACKs out."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.intake.support import Ack, read_ack, sample, with_endings

from referraldesk.intake.hl7.framing import END_BLOCK, START_BLOCK, frame, unframe
from referraldesk.intake.hl7.mllp import MllpServer
from referraldesk.models import IntakeMessage, Referral

TIMEOUT_SECONDS = 20


class RunningServer:
    """The MLLP server on its own event loop in a thread, on a free port."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = MllpServer()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.port = self.loop.run_until_complete(self.server.start("127.0.0.1", 0))
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.server.close())
        self.loop.close()

    def __enter__(self) -> RunningServer:
        self.thread.start()
        assert self.ready.wait(TIMEOUT_SECONDS)
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT_SECONDS)


@pytest.fixture
def server(intake_engine: Engine) -> Iterator[RunningServer]:
    with RunningServer() as running:
        yield running


def exchange(port: int, *messages: str) -> list[Ack]:
    acks = []
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_SECONDS) as connection:
        for message in messages:
            connection.sendall(frame(message))
            buffer = bytearray()
            while END_BLOCK not in buffer:
                buffer.extend(connection.recv(65536))
            content = unframe(buffer)
            assert content is not None
            acks.append(read_ack(content.decode("utf-8")))
    return acks


def test_a_referral_over_mllp_gets_its_ack(server: RunningServer, db: Session) -> None:
    (ack,) = exchange(server.port, with_endings(sample("ref_i12_orthopedics.hl7"), "\n"))

    assert (ack.code, ack.control_id) == ("AA", "VFM20260303-0042")
    referral = db.scalar(select(Referral))
    assert referral is not None and referral.placer_id == "VFM-R-88231"
    assert db.scalar(select(IntakeMessage.channel)) == "hl7_mllp"


def test_messages_on_one_connection_are_answered_in_order(server: RunningServer) -> None:
    acks = exchange(server.port, sample("ref_i12_orthopedics.hl7"),
                    sample("broken_no_patient.hl7"), sample("ref_i14_cancel_orthopedics.hl7"))

    assert [(a.code, a.control_id) for a in acks] == [
        ("AA", "VFM20260303-0042"), ("AE", "VFM20260306-0101"), ("AA", "VFM20260305-0003")]


def test_unframe_waits_for_the_frame_end_and_drops_noise() -> None:
    buffer = bytearray(b"noise" + START_BLOCK + b"MSH|x")

    assert unframe(buffer) is None
    buffer.extend(END_BLOCK + START_BLOCK)
    assert unframe(buffer) == b"MSH|x"
    assert buffer == bytearray(START_BLOCK)
