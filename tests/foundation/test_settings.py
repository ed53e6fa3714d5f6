import pytest
from pydantic import ValidationError

from referraldesk.cli import main
from referraldesk.settings import Settings, reset_settings_cache


def test_it_reads_the_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERRALDESK_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    monkeypatch.setenv("REFERRALDESK_LLM_TIMEOUT_SECONDS", "3.5")

    settings = Settings()

    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/test"
    assert settings.llm_timeout_seconds == 3.5
    assert not settings.is_sqlite


def test_it_names_the_setting_and_the_fix_for_an_unknown_database() -> None:
    with pytest.raises(ValidationError, match="REFERRALDESK_DATABASE_URL='mysql://x'"):
        Settings(database_url="mysql://x")


SHARED_KEY_ENV = [
    "REFERRALDESK_ENCRYPTION_KEY",
    "REFERRALDESK_AUDIT_KEY",
    "REFERRALDESK_SESSION_SECRET",
]
POSTGRES = "postgresql://postgres@127.0.0.1/test"


@pytest.fixture
def no_shared_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SHARED_KEY_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_shared_keys")
def test_postgresql_without_shared_keys_names_every_missing_one() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(database_url=POSTGRES)

    message = str(refused.value)
    for name in SHARED_KEY_ENV:
        assert f"{name} (or {name}_FILE)" in message


@pytest.mark.usefixtures("no_shared_keys")
def test_a_blank_key_from_the_example_env_file_counts_as_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in SHARED_KEY_ENV:
        monkeypatch.setenv(name, "  ")

    with pytest.raises(ValidationError, match="REFERRALDESK_ENCRYPTION_KEY"):
        Settings(database_url=POSTGRES)


@pytest.mark.usefixtures("no_shared_keys")
def test_postgresql_takes_keys_from_files_chosen_on_purpose(tmp_path) -> None:
    settings = Settings(
        database_url=POSTGRES,
        encryption_key_file=tmp_path / "encryption.key",
        audit_key_file=tmp_path / "audit.key",
        session_secret_file=tmp_path / "session.secret",
    )

    assert settings.encryption_key is None
    assert settings.audit_key_file == tmp_path / "audit.key"


@pytest.mark.usefixtures("no_shared_keys")
def test_sqlite_makes_its_own_keys_on_one_machine() -> None:
    settings = Settings(database_url="sqlite:///var/demo.db")

    assert settings.encryption_key is None and settings.session_secret is None


@pytest.mark.usefixtures("no_shared_keys")
@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("REFERRALDESK_DATABASE_URL", "mysql://x", "REFERRALDESK_DATABASE_URL='mysql://x'"),
        ("REFERRALDESK_DATABASE_URL", POSTGRES, "REFERRALDESK_AUDIT_KEY (or"),
        ("REFERRALDESK_LLM_TIMEOUT_SECONDS", "soon", "REFERRALDESK_LLM_TIMEOUT_SECONDS: "),
    ],
)
def test_the_command_says_which_setting_is_wrong_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    said: str,
) -> None:
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr("sys.argv", ["referraldesk", "db", "upgrade"])
    reset_settings_cache()
    try:
        with pytest.raises(SystemExit) as stopped:
            main()
    finally:
        monkeypatch.undo()
        reset_settings_cache()

    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error: ") and said in err
    assert "Traceback" not in err
