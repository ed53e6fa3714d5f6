"""Phone numbers, written and spoken, validated as US numbers."""

from __future__ import annotations

import pytest

from referraldesk.understanding import understand

from .conftest import NOW

VALID = [
    ("en", "1-559-555-0143"),
    ("en", "(559) 555-0143"),
    ("en", "+1 559 555 0143"),
    ("en", "559.555.0143"),
    ("en", "5595550143"),
    ("en", "five five nine, five five five, oh one four three"),
    ("es", "cinco cinco nueve, cinco cinco cinco, cero uno cuatro tres"),
    ("es", "cinco cincuenta y nueve, cinco cinco cinco, cero ciento cuarenta y tres"),
    ("en", "my number is 559 555 0143"),
]


@pytest.mark.parametrize(("lang", "said"), VALID, ids=[v[1] for v in VALID])
def test_it_reads_a_phone_number_as_e164(lang: str, said: str) -> None:
    result = understand(said, now=NOW, lang=lang, awaiting="phone")

    assert (result.phone, result.phone_invalid) == ("+15595550143", False)


@pytest.mark.parametrize("said", ["123 456 7890", "1 123 456 7890", "055 555 0143", "555 0143"])
def test_it_flags_numbers_that_cannot_be_us_phones(said: str) -> None:
    result = understand(said, now=NOW, lang="en", awaiting="phone")

    assert result.phone is None
    assert result.phone_invalid is True
    assert result.phone != "+1234567890"


def test_it_does_not_read_a_birth_date_as_a_phone() -> None:
    assert understand("02/17/1991", now=NOW, lang="en", awaiting="dob").phone is None
