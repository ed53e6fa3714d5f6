import pytest
from pydantic import ValidationError

from referraldesk.settings import Settings


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
