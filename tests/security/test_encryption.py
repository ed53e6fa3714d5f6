"""PHI at rest: encrypted columns, blind-index look-ups, key rotation, the keys command."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text
from tests.outreach.support import register, segment
from typer.testing import CliRunner

from referraldesk.admin.queries.patients import search
from referraldesk.audit.trail import Actor
from referraldesk.cli import app as cli_app
from referraldesk.cli import common
from referraldesk.conversation.store import latest_open_conversation
from referraldesk.db.crypto import Keyring, KeyringError, generate_key, get_keyring
from referraldesk.db.rotation import rotate_all
from referraldesk.db.session import session_factory, session_scope, use_engine
from referraldesk.models import (
    Conversation,
    IntakeMessage,
    Patient,
    Plan,
    Practice,
    Provider,
    Referral,
    ScheduleFeedMessage,
    Turn,
)
from referraldesk.patients.identity import find_by_phone, find_patient
from referraldesk.patients.service import register_patient
from referraldesk.practice.loader import demo_config, load_config
from referraldesk.scheduling.booking import BookingRequest, book
from referraldesk.settings import reset_settings_cache

STAFF = Actor(name="staff:desk@clinic.example.org", role="staff")
NOW = "2026-03-04T10:00:00-08:00"
KEY_A = "TKlu5taD7bY1x9C04BnpHieMqDTfqRvEgtsQb3gMj3g="  # tests/conftest.py's key
KEY_B = "nKViCD3GCxWWT8HrhyrvaOGxMm8B7kcr2Hdqj8M5pzA="
MARIA = {
    "given_names": "María José",
    "surnames": ["Pérez", "Núñez"],
    "dob": "1985-04-03",
    "phone": "(559) 555-0123",
    "plan": "Medicare",
    "member_id": "MBR-7741-QX",
}
CALLER_SAYS = "my name is Maria Jose Perez and my chest hurts"
PLAINTEXT_MARKERS = ("Pérez", "Perez", "perez", "1985-04-03", "5550123", "MBR-7741",
                     "chest hurts", "Núñez")


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Switch the configured keys as an operator would, and restore them afterwards."""

    def use(primary: str, *old: str) -> None:
        monkeypatch.setenv("REFERRALDESK_ENCRYPTION_KEY", primary)
        if old:
            monkeypatch.setenv("REFERRALDESK_ENCRYPTION_OLD_KEYS", ",".join(old))
        else:
            monkeypatch.delenv("REFERRALDESK_ENCRYPTION_OLD_KEYS", raising=False)
        reset_settings_cache()

    yield use
    monkeypatch.undo()
    reset_settings_cache()


@pytest.fixture
def clinic(any_engine: Engine, frozen_now: Callable[[str], object]) -> Engine:
    """A practice with one plan, María registered, a caller's conversation and a referral."""
    frozen_now(NOW)
    with session_scope(any_engine) as session:
        session.add(Plan(key="medicare", name="Medicare", payer="CMS", kind="medicare"))
        session.flush()
        maria = register_patient(session, STAFF, MARIA)
        conversation = Conversation(channel="sms", caller_phone="+15595550123",
                                    state={"given": "María José", "dob": "1985-04-03"})
        conversation.turns.append(Turn(seq=1, speaker="caller", text=CALLER_SAYS))
        session.add(conversation)
        session.add(Referral(patient_id=maria.id, specialty_key="cardiology",
                             reason="chest hurts on exertion", icd10=["R07.9"]))
        session.add(IntakeMessage(channel="hl7_http", content_type="x-application/hl7-v2+er7",
                                  body="PID|||MRN1||PEREZ NUNEZ^MARIA JOSE||19850403"))
    return any_engine


@pytest.fixture
def booked_with_feed(any_engine: Engine, frozen_now: Callable[[str], object]) -> Engine:
    """The demo practice sending SIU to its PM system, and María booked: one S12 written."""
    frozen_now(NOW)
    with session_scope(any_engine) as session:
        load_config(session, demo_config())
        practice = session.scalars(select(Practice)).one()
        practice.policy = {**practice.policy,
                           "scheduling_feed": {"send_to": "mllp://pm.example:2575"}}
        maria = register(session, given="María José", surnames=("Pérez", "Núñez"))
        provider = session.scalars(select(Provider).where(Provider.npi == "1904000118")).one()
        book(session, STAFF, BookingRequest(
            patient_id=maria.id, provider_id=provider.id,
            start=datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))))
    return any_engine


def _raw_dump(engine: Engine) -> str:
    from referraldesk.db.base import Base

    # Each value whole: a Row's repr cuts long strings short, and would hide the end
    # of a long plain-text message.
    with engine.connect() as connection:
        return "\n".join(
            "|".join(str(value) for value in row)
            for table in Base.metadata.sorted_tables
            for row in connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
        )


def test_raw_sql_shows_no_names_dates_phones_or_transcripts(clinic: Engine) -> None:
    dump = _raw_dump(clinic)

    assert "enc1:" in dump
    assert [marker for marker in PLAINTEXT_MARKERS if marker in dump] == []


def test_values_come_back_as_they_went_in(clinic: Engine) -> None:
    with session_factory(clinic)() as session:
        maria = session.scalars(select(Patient)).one()
        conversation = session.scalars(select(Conversation)).one()
        referral = session.scalars(select(Referral)).one()

        assert (maria.given_names, maria.surnames, maria.dob) == (
            "María José", ["Pérez", "Núñez"], date(1985, 4, 3))
        assert maria.name_key == "maria jose|perez nunez"
        assert maria.primary_phone == "+15595550123"
        assert maria.coverages[0].member_id == "MBR-7741-QX"
        assert conversation.caller_phone == "+15595550123"
        assert conversation.state == {"given": "María José", "dob": "1985-04-03"}
        assert conversation.turns[0].text == CALLER_SAYS
        assert (referral.reason, referral.icd10) == ("chest hurts on exertion", ["R07.9"])


def test_identity_matching_still_folds_accents_and_forgives_a_slip(clinic: Engine) -> None:
    with session_factory(clinic)() as session:
        exact = find_patient(session, "Maria Jose", ["Perez Nunez"], "1985-04-03")
        misspelt = find_patient(session, "María José", ["Peres", "Núñez"], date(1985, 4, 3))
        by_phone = find_by_phone(session, "559.555.0123")

        assert exact.id == misspelt.id == by_phone[0].id
        assert len(by_phone) == 1
        assert find_by_phone(session, "+1 559 555 0199") == []


def test_a_caller_thread_is_found_by_number(clinic: Engine) -> None:
    with session_factory(clinic)() as session:
        found = latest_open_conversation(session, "sms", "+15595550123")

        assert found is not None and found.caller_phone == "+15595550123"


def test_dashboard_search_uses_whole_words_dates_phones_and_ids(clinic: Engine) -> None:
    with session_factory(clinic)() as session:
        maria_id = session.scalars(select(Patient.id)).one()

        assert [p.id for p in search(session, name="perez")] == [maria_id]
        assert [p.id for p in search(session, name="Núñez María")] == [maria_id]
        assert search(session, name="Pér") == []
        assert [p.id for p in search(session, dob=date(1985, 4, 3))] == [maria_id]
        assert [p.id for p in search(session, phone="559-555-0123")] == [maria_id]
        assert [p.id for p in search(session, name=maria_id)] == [maria_id]


def test_sql_comparisons_on_encrypted_columns_are_refused() -> None:
    with pytest.raises(TypeError, match="blind index"):
        select(Patient).where(Patient.dob == date(1985, 4, 3))


def test_rotation_leaves_every_row_readable_under_the_new_key_alone(
    clinic: Engine, keys: Callable[..., None]
) -> None:
    keys(KEY_B, KEY_A)
    with session_factory(clinic)() as session:
        # Before rotating: rows under A are read, and found through A's indexes.
        assert find_patient(session, "Maria Jose", ["Perez Nunez"], "1985-04-03")
    with session_factory(clinic)() as session:
        updated_before = session.scalars(select(Referral.updated_at)).one()

    rotated = rotate_all(clinic, batch_size=2)
    keys(KEY_B)

    assert rotated["patients"] == 1 and rotated["turns"] == 1
    assert f"enc1:{Keyring(KEY_A).primary_id}:" not in _raw_dump(clinic)
    with session_factory(clinic)() as session:
        maria = find_patient(session, "María José", ["Pérez", "Núñez"], "1985-04-03")
        assert find_by_phone(session, "5595550123") == [maria]
        assert latest_open_conversation(session, "sms", "+15595550123") is not None
        assert session.scalars(select(Turn.text)).one() == CALLER_SAYS
        assert session.scalars(select(Referral.updated_at)).one() == updated_before


def test_rotation_runs_in_batches_while_the_app_keeps_working_and_resumes(
    clinic: Engine, keys: Callable[..., None]
) -> None:
    with session_scope(clinic) as session:
        for n, given in enumerate(("Ana", "Berta", "Carla", "Dora")):
            register_patient(session, STAFF, {**MARIA, "given_names": given,
                                              "phone": f"559555010{n}"})
    keys(KEY_B, KEY_A)
    seen_between_batches: list[str] = []

    def app_works(table: str, rotated: int, remaining: int) -> None:
        with session_scope(clinic) as session:
            found = find_patient(session, "Carla", ["Pérez", "Núñez"], "1985-04-03")
            seen_between_batches.append(found.id)
            register_patient(session, STAFF, {**MARIA, "given_names": "Eva", "phone": "5595550999"})

    first = rotate_all(clinic, batch_size=2, max_batches=1, on_batch=app_works)
    rest = rotate_all(clinic, batch_size=2)
    again = rotate_all(clinic, batch_size=2)

    assert 0 < sum(first.values()) <= 2
    assert sum(rest.values()) > 0
    assert len(seen_between_batches) == 1
    assert sum(again.values()) == 0
    assert first["intake_messages"] + rest["intake_messages"] == 1
    keys(KEY_B)
    with session_factory(clinic)() as session:
        assert len(find_by_phone(session, "5595550999")) == 1
        assert len(session.scalars(select(Patient)).all()) == 6


def test_the_sius_to_the_pm_system_are_stored_encrypted_and_rotated(
    booked_with_feed: Engine, keys: Callable[..., None]
) -> None:
    engine = booked_with_feed
    stored_under_a = _raw_dump(engine)
    keys(KEY_B, KEY_A)

    rotated = rotate_all(engine, batch_size=1)
    keys(KEY_B)

    assert [marker for marker in (*PLAINTEXT_MARKERS, "19850403") if marker in stored_under_a] == []
    assert rotated["schedule_feed_messages"] == 1
    assert f"enc1:{Keyring(KEY_A).primary_id}:" not in _raw_dump(engine)
    with session_factory(engine)() as session:
        message = session.scalars(select(ScheduleFeedMessage)).one()
        pid = segment(message.payload, "PID")
    assert (message.message_type, pid[5], pid[7]) == (
        "SIU^S12", "Pérez Núñez^María José", "19850403")


def test_a_value_under_a_missing_key_names_that_key(
    clinic: Engine, keys: Callable[..., None]
) -> None:
    keys(KEY_B)

    with session_factory(clinic)() as session, pytest.raises(KeyringError) as caught:
        session.scalars(select(Patient)).all()

    assert Keyring(KEY_A).primary_id in str(caught.value)
    assert "REFERRALDESK_ENCRYPTION_OLD_KEYS" in str(caught.value)


def test_a_malformed_key_is_refused_with_the_fix(keys: Callable[..., None]) -> None:
    keys("not-a-key")

    with pytest.raises(KeyringError, match="referraldesk keys generate"):
        get_keyring()


def test_without_a_key_one_is_made_once_for_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "var" / "encryption.key"
    monkeypatch.delenv("REFERRALDESK_ENCRYPTION_KEY")
    monkeypatch.setenv("REFERRALDESK_ENCRYPTION_KEY_FILE", str(key_file))
    reset_settings_cache()
    try:
        first = get_keyring().primary_id
        second = get_keyring().primary_id
    finally:
        monkeypatch.undo()
        reset_settings_cache()

    key = key_file.read_text().strip()
    assert first == second == Keyring(key).primary_id
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert key not in capsys.readouterr().out + capsys.readouterr().err


def test_keys_generate_prints_a_usable_key() -> None:
    result = CliRunner().invoke(cli_app, ["keys", "generate"])

    assert result.exit_code == 0
    assert Keyring(result.output.strip()).primary_id


def test_keys_rotate_reports_progress(
    clinic: Engine, keys: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys(KEY_B, KEY_A)
    # The command would point structlog at CliRunner's stderr, closed after each run.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)
    use_engine(clinic)
    try:
        result = CliRunner().invoke(cli_app, ["keys", "rotate", "--batch", "1"])
    finally:
        use_engine(None)

    assert result.exit_code == 0, result.output
    assert "patients: 1 rotated, 0 to go" in result.output
    assert f"every value is now under key id {Keyring(KEY_B).primary_id}" in result.output


def test_keys_rotate_from_a_shell_rotates_every_table(engine: Engine, tmp_path: Path) -> None:
    """As an operator runs it: a fresh process that has imported nothing beforehand."""
    with session_scope(engine) as session:
        session.add(Plan(key="medicare", name="Medicare", payer="CMS", kind="medicare"))
        session.flush()
        maria = register_patient(session, STAFF, MARIA)
        maria_id = maria.id
    command = Path(sys.executable).parent / "referraldesk"
    environment = os.environ | {
        "REFERRALDESK_DATABASE_URL": str(engine.url),
        "REFERRALDESK_ENCRYPTION_KEY": KEY_B,
        "REFERRALDESK_ENCRYPTION_OLD_KEYS": KEY_A,
        "REFERRALDESK_LOG_LEVEL": "WARNING",
    }

    done = subprocess.run(
        [str(command), "keys", "rotate"], env=environment, cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "patients: 1 rotated, 0 to go" in done.stdout
    assert "done: 0 rows" not in done.stdout
    only_new = Keyring(KEY_B)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT given_names FROM patients WHERE id = :id"), {"id": maria_id}
        ).scalar_one()
    assert stored.startswith(only_new.primary_prefix)
    assert only_new.decrypt(stored) == MARIA["given_names"]


def test_generated_keys_differ() -> None:
    assert generate_key() != generate_key()
