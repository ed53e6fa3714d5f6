"""Fixtures for PDF intake: the intake tests' practice, and Tesseract installed when missing.

OCR tests need the `tesseract` program with its English and Spanish data. The
suite installs Debian's packages with apt-get when it can (as the browser tests
do for Chromium), and skips the OCR tests with the reason when it cannot.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from tests.intake.conftest import _template, client, db, intake_engine, secrets  # noqa: F401

from referraldesk.intake.pdf import reading

PACKAGES = ["tesseract-ocr", "tesseract-ocr-eng", "tesseract-ocr-spa"]
APT_TIMEOUT_SECONDS = 900


def _apt_install() -> str:
    """Install Tesseract; refresh the package lists once if the first try fails."""
    command = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(command, capture_output=True, text=True, env=environment,
                            timeout=APT_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=environment,
                       timeout=APT_TIMEOUT_SECONDS, check=False)
        result = subprocess.run(command, capture_output=True, text=True, env=environment,
                                timeout=APT_TIMEOUT_SECONDS, check=False)
    return (result.stdout + result.stderr)[-800:]


def _has_spanish() -> bool:
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                            check=False)
    return "spa" in (listed.stdout + listed.stderr).split()


@pytest.fixture(scope="session")
def tesseract() -> str:
    """The path of Tesseract with English and Spanish, installed with apt-get when missing."""
    if shutil.which("tesseract") is None or not _has_spanish():
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            pytest.skip("OCR tests need tesseract (apt-get install -y tesseract-ocr "
                        "tesseract-ocr-spa), and it cannot be installed here")
        output = _apt_install()
        reading.ocr_available.cache_clear()
        if shutil.which("tesseract") is None or not _has_spanish():
            pytest.skip(f"apt-get install {' '.join(PACKAGES)} did not provide tesseract: {output}")
    return str(shutil.which("tesseract"))
