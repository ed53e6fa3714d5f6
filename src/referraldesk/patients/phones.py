"""Phone numbers: one E.164 form for storage and lookup, and the zone a number rings in.

Validity rule for North American (+1) numbers: we accept a number that is
*possible* (ten digits after the country code) and whose area code and exchange
obey the NANP shape (each starts with 2-9 and is not an N11 service code such as
911). We do not require phonenumbers' `is_valid_number`, which also checks that the
area code is assigned: its metadata lags new overlay area codes, and refusing a
patient's real new number costs more than storing a well-shaped one. The fictional
555-0100..0199 range used in our cases passes both checks. Other countries use
`is_valid_number` as is.

Error messages describe the shape of a bad number (how many digits, which rule),
never the number itself: they can reach logs and transcripts.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers import timezone as phone_timezone

from referraldesk.errors import InvalidArgument

NANP_COUNTRY_CODE = 1
_UNKNOWN_ZONE = "Etc/Unknown"
_DIGITS = re.compile(r"\d")


def normalize_phone(text: str, region: str = "US") -> str:
    """Return `text` as E.164 ("+15595550143"); `region` is assumed when no +code is given.

    Raises InvalidArgument (field "phone") for anything that cannot be dialled.
    """
    number = _parse(text, region)
    if number.country_code == NANP_COUNTRY_CODE:
        _check_nanp(number, text)
    elif not phonenumbers.is_valid_number(number):
        raise _invalid(text, "is not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(text: str | None, region: str = "US") -> str | None:
    """Return the E.164 form of `text`, or None when it is absent or invalid."""
    if not text:
        return None
    try:
        return normalize_phone(text, region)
    except InvalidArgument:
        return None


def phone_zones(e164: str) -> tuple[str, ...]:
    """Return every IANA zone the number's area code covers (empty when unknown)."""
    number = _parse(e164, "US")
    zones = phone_timezone.time_zones_for_number(number)
    return tuple(zone for zone in zones if zone != _UNKNOWN_ZONE)


def phone_zone(e164: str) -> str | None:
    """Return the one IANA zone the number rings in, or None when unknown or several.

    "+16025550143" -> "America/Phoenix" (Arizona keeps no daylight saving time).
    A caller that must respect local calling hours and gets None should check the
    window in every zone of `phone_zones` instead.
    """
    zones = phone_zones(e164)
    return zones[0] if len(zones) == 1 else None


def mask_phone(e164: str) -> str:
    """Return the number with all but its last four digits hidden: "***-***-0143"."""
    digits = "".join(_DIGITS.findall(e164))
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else "***"


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    if not text or not _DIGITS.search(text):
        raise InvalidArgument(
            "no phone number given: send ten digits like 559-555-0143", field="phone"
        )
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise _invalid(text, "could not be read as a phone number") from exc


def _check_nanp(number: phonenumbers.PhoneNumber, text: str) -> None:
    national = _nanp_digits(text) or str(number.national_number)
    if len(national) != 10:
        raise _invalid(text, f"has {len(national)} digits after the country code, not ten")
    area, exchange = national[:3], national[3:6]
    if area[0] in "01":
        raise _invalid(text, "has an area code starting with 0 or 1, which no US number has")
    if exchange[0] in "01":
        raise _invalid(text, "has an exchange (digits 4-6) starting with 0 or 1")
    if area[1:] == "11":
        raise _invalid(text, "has a service code (like 911) where the area code goes")
    if not phonenumbers.is_possible_number(number):
        raise _invalid(text, "is not a possible North American number")


def _nanp_digits(text: str) -> str | None:
    # phonenumbers reads a spoken "1 123 456 7890" as trunk prefix + a 9-digit
    # number; we read the ten digits after the "1" ourselves so the caller hears
    # the real problem (an area code starting with 1), not "too short".
    digits = "".join(_DIGITS.findall(text.lower().split("ext", 1)[0].split("x", 1)[0]))
    if len(digits) == 11 and digits[0] == "1":
        return digits[1:]
    if len(digits) == 10 and not text.lstrip().startswith("+"):
        return digits
    return None


def _invalid(text: str, rule: str) -> InvalidArgument:
    digit_count = len(_DIGITS.findall(text))
    return InvalidArgument(
        f"the phone number given ({digit_count} digits) {rule}; "
        "ask for the ten-digit number again, like 559-555-0143",
        field="phone",
    )
