"""No secrets in the repository: no keys, tokens or .env files among the tracked files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_SHAPES = {
    "private key": re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "OpenAI-style API key": re.compile(r"\bsk-[A-Za-z0-9_-]{32,}\b"),
    "referraldesk API token": re.compile(r"\brd_[A-Za-z0-9_-]{40,}\b"),
    "Twilio auth token": re.compile(r"(?i)auth_token\s*[=:]\s*['\"]?[0-9a-f]{32}\b"),
    "Fernet key": re.compile(r"(?i)encryption_key\s*[=:]\s*['\"]?[A-Za-z0-9_-]{43}="),
}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini", ".txt", ".json",
                 ".html", ".js", ".css", ".sh", ".env", ""}


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    return [ROOT / name for name in listed]


def test_no_env_file_is_tracked() -> None:
    names = {path.name for path in tracked_files()}

    assert not {".env", ".env.local", ".env.production"} & names


def test_no_tracked_file_holds_something_shaped_like_a_secret() -> None:
    found = []
    for path in tracked_files():
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        # A key named TEST_... is a fixture the test suite runs with, never a deployment's.
        lines = [line for line in path.read_text(encoding="utf-8", errors="ignore").splitlines()
                 if "TEST_" not in line]
        text = "\n".join(lines)
        found += [f"{path.relative_to(ROOT)}: {kind}" for kind, shape in SECRET_SHAPES.items()
                  if shape.search(text)]

    assert found == []
