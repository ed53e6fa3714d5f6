"""Booking, outreach and analytics on the scale-out layout, and a worker killed mid-run.

Real PostgreSQL and Redis, two stateless web instances and two worker processes;
every request of a conversation goes to the other instance than the one before.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date, datetime

import httpx
import pytest
from bench import load_layout
from huey import Huey
from huey.api import Task
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from tests.outreach.support import refer, register
from tests.scale.conftest import NOW, wait_for

from referraldesk import clock
from referraldesk.jobs.periodic import ClaimingScheduler, tick_of
from referraldesk.models import (
    Appointment,
    Conversation,
    ConversationAnalysis,
    OutreachAttempt,
    Patient,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HALF_PAST = "2026-03-04T09:30:00-08:00"


class Instances:
    """A client that sends each request to the next web instance in turn."""

    def __init__(self, layout: load_layout.Layout) -> None:
        self.all = [httpx.Client(base_url=url, timeout=60) for url in layout.base_urls]
        self.clients = itertools.cycle(self.all)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        response = next(self.clients).post(path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code < 400, response.text
        return response

    def close(self) -> None:
        for client in self.all:
            client.close()


@pytest.fixture
def web(layout: load_layout.Layout) -> Iterator[Instances]:
    instances = Instances(layout)
    yield instances
    instances.close()


def first_patient(database: Engine) -> tuple[str, str, str]:
    with Session(database) as session:
        patient = session.scalars(select(Patient).order_by(Patient.id).limit(1)).one()
        return patient.id, f"{patient.given_names} {' '.join(patient.surnames)}", \
            patient.dob.strftime("%m/%d/%Y")


def analyses_of(database: Engine, conversation_ids: list[str]) -> dict[str, int]:
    with Session(database) as session:
        rows = session.execute(
            select(ConversationAnalysis.conversation_id, func.count())
            .where(ConversationAnalysis.conversation_id.in_(conversation_ids))
            .group_by(ConversationAnalysis.conversation_id)
        ).all()
    return {conversation_id: count for conversation_id, count in rows}


def test_a_chat_books_across_instances_and_is_analysed_once(
    web: Instances, database: Engine
) -> None:
    patient_id, name, dob = first_patient(database)
    answers = {"name": name, "dob": dob, "specialty": "dermatology",
               "reason": "a rash on my arms", "time_preference": "any time is fine",
               "confirm": "yes", "anything_else": "no, thanks", "plan": "Medicare"}

    started = web.post("/api/conversations", json={"channel": "chat", "language": "en"}).json()
    conversation_id, turn = started["id"], started["turn"]
    words = "Hi, my doctor referred me to a skin doctor"
    for _ in range(18):
        turn = web.post(f"/api/conversations/{conversation_id}/messages",
                        json={"text": words}).json()["turn"]
        if any(action["type"] == "end" for action in turn["actions"]):
            break
        options = turn.get("options") or []
        words = options[0]["label"] if turn["awaiting"] == "slot_choice" and options \
            else answers.get(turn["awaiting"], "yes")
    web.post(f"/api/conversations/{conversation_id}/end")

    with Session(database) as session:
        booked = session.scalars(
            select(Appointment).where(Appointment.patient_id == patient_id,
                                      Appointment.channel == "chat")
        ).all()
        outcome = session.get(Conversation, conversation_id).outcome  # type: ignore[union-attr]
    analysed = wait_for(lambda: analyses_of(database, [conversation_id]),
                        what="the analysis by a worker")
    assert (len(booked), booked[0].status, outcome) == (1, "booked", "booked")
    assert analysed == {conversation_id: 1}


def test_outreach_is_queued_once_by_two_schedulers_and_run_by_a_worker(
    shared_queue: Huey,
    database: Engine,
    frozen_now: Callable[[str], datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen_now(NOW)
    with Session(database) as session:
        referral_id = refer(session, register(
            session, given="Esperanza", surnames=("Quintero", "Ibarra"),
            dob=date(1979, 11, 23), phone="+15595550188")).id
        session.commit()
    enqueued: list[str] = []
    enqueue = shared_queue.enqueue

    def recording(task: Task) -> object:
        enqueued.append(task.name)
        return enqueue(task)

    monkeypatch.setattr(shared_queue, "enqueue", recording)
    schedulers = [ClaimingScheduler(huey=shared_queue, stop_flag=None, interval=1,
                                    periodic=True) for _ in range(2)]

    # The workers' own schedulers ran minute 15 when they started; minute 30 is one
    # no worker's clock reaches while this module runs, so only this tick claims it.
    frozen_now(HALF_PAST)
    for scheduler in schedulers:
        scheduler.enqueue_periodic_tasks(None)
    first_tick = sorted(enqueued)
    for scheduler in schedulers:  # a second tick in the same minute claims nothing
        scheduler.enqueue_periodic_tasks(None)
    made = wait_for(lambda: outreach_attempts(database, referral_id),
                    what="the outreach round by a worker")

    due = sorted(task.name for task in shared_queue.read_periodic(tick_of(clock.now())))
    assert first_tick == due
    assert first_tick.count("outreach_round") == 1
    assert sorted(enqueued) == first_tick
    # The layout has no Twilio account: the round writes both attempts down as skipped.
    assert made == [("sms", "skipped", "no_twilio_credentials", 1),
                    ("voice", "skipped", "no_twilio_credentials", 1)]


def outreach_attempts(database: Engine, referral_id: str) -> list[tuple[str, str, str, int]]:
    with Session(database) as session:
        rows = session.scalars(
            select(OutreachAttempt).where(OutreachAttempt.referral_id == referral_id)
            .order_by(OutreachAttempt.channel)
        ).all()
        return [(a.channel, a.status, a.reason or "", a.round) for a in rows]


def test_a_killed_worker_loses_no_analysis(
    layout: load_layout.Layout, web: Instances, database: Engine, shared_queue: Huey
) -> None:
    for worker in list(layout.workers):
        layout.kill_worker(worker)
    ended = []
    for _ in range(30):
        conversation_id = web.post("/api/conversations", json={"channel": "chat"}).json()["id"]
        web.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hello"})
        web.post(f"/api/conversations/{conversation_id}/end")
        ended.append(conversation_id)
    assert shared_queue.pending_count() >= 30

    worker = layout.start_worker(threads=1)
    wait_for(lambda: analyses_of(database, ended), seconds=60, what="a first analysis")
    layout.kill_worker(worker)
    done_when_killed = len(analyses_of(database, ended))
    # Every job still queued is taken by a worker that dies before running it.
    for _job in iter(shared_queue.dequeue, None):
        continue
    assert shared_queue.pending_count() == 0

    # The replacements' start-up sweep queues again what is missing; each
    # conversation ends up with exactly one analysis however many jobs ran for it.
    layout.start_worker()
    layout.start_worker()
    wait_for(lambda: len(analyses_of(database, ended)) == len(ended), seconds=120,
             what="every analysis after the restart")
    assert done_when_killed < len(ended)
    assert set(analyses_of(database, ended).values()) == {1}
    with database.connect() as connection:
        current = connection.execute(text(
            "SELECT count(*) FROM conversation_analyses WHERE is_current"
            " AND conversation_id = ANY(:ids)"), {"ids": ended}).scalar_one()
    assert current == len(ended)
