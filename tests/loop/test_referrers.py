"""Which referring practice a referral comes from, and how staff learn that one cannot be told."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session
from tests.outreach.support import STAFF, outbox, refer, register
from typer.testing import CliRunner

from referraldesk.cli import app as cli_app
from referraldesk.cli import common
from referraldesk.loop.consult import mark_letter_sent
from referraldesk.loop.letters import status_letter_pdf
from referraldesk.loop.nudges import nudge_list
from referraldesk.referrals.referrers import TELL_BY_HAND

Freeze = Callable[[datetime | str], datetime]
NOW = "2026-07-15T17:00:00+00:00"
TODAY = date(2026, 7, 15)
# The NPI the demo practice file gives Valley Family Medicine.
VALLEY_NPI = "1504000112"
UNKNOWN = "Walk-in Clinic Nobody Configured"


@pytest.fixture(autouse=True)
def _quiet_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)


def test_a_referral_is_matched_to_its_practice_by_npi_before_the_name(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)

    referral = refer(
        session, register(session), referring_practice="VFM Interfaces", referring_npi=VALLEY_NPI
    )

    assert referral.referring_practice is not None
    assert referral.referring_practice.name == "Valley Family Medicine"
    [message] = outbox(session, referral.id)
    assert (message.protocol, message.message_type) == ("hl7_mllp", "RRI^I12")


def test_an_npi_nobody_has_falls_back_to_the_name(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)

    referral = refer(session, register(session), referring_npi="1999999999",
                     referring_practice="VALLEY FAMILY MEDICINE")

    assert referral.referring_practice is not None
    assert referral.referring_practice.name == "Valley Family Medicine"


def test_a_practice_that_cannot_be_told_is_on_the_nudge_list_with_its_letters(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice=UNKNOWN)

    [group] = nudge_list(session, TODAY)

    assert (group.practice_name, group.protocol, group.referrals) == (UNKNOWN, "none", [])
    assert (group.letters_waiting, group.tell_by_hand) == (1, TELL_BY_HAND)
    letter = status_letter_pdf(session, referral)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter)).pages)
    assert f"To: {UNKNOWN}" in text
    assert "Status: Accepted" in text
    assert "Dra. Ana Ruiz" in text


def test_once_the_letter_is_sent_the_practice_leaves_the_list(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice=UNKNOWN)
    [letter] = outbox(session, referral.id)

    mark_letter_sent(session, STAFF, letter.id)

    assert letter.status == "sent"
    assert nudge_list(session, TODAY) == []


def test_the_nudges_command_warns_about_a_practice_that_cannot_be_told(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    refer(session, register(session), referring_practice=UNKNOWN)
    session.commit()

    result = CliRunner().invoke(cli_app, ["referrals", "nudges"])

    assert result.exit_code == 0, result.output
    assert f"{UNKNOWN} (0)\n  ! {TELL_BY_HAND}\n  1 status letter(s) waiting" in result.output
