from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from referraldesk.errors import InvalidArgument
from referraldesk.patients.phones import (
    mask_phone,
    normalize_phone,
    phone_zone,
    phone_zones,
    try_normalize_phone,
)


class TestNormalizePhone:
    @pytest.mark.parametrize(
        "text",
        [
            "1-559-555-0143",
            "(559) 555-0143",
            "+1 559 555 0143",
            "559.555.0143",
            "5595550143",
            "15595550143",
            "+15595550143",
            "1 (559) 555-0143 ext. 4",
        ],
    )
    def test_it_reads_every_common_us_format(self, text: str) -> None:
        assert normalize_phone(text) == "+15595550143"

    def test_it_accepts_the_fictional_555_01xx_range(self) -> None:
        assert normalize_phone("559-555-0199") == "+15595550199"

    def test_it_keeps_a_foreign_number_with_its_country_code(self) -> None:
        assert normalize_phone("+52 55 1234 5678") == "+525512345678"

    @pytest.mark.parametrize(
        ("text", "rule"),
        [
            # U6: "uno, uno dos tres, cuatro cinco seis, siete ocho nueve cero"
            ("11234567890", "area code starting with 0 or 1"),
            ("1 123 456 7890", "area code starting with 0 or 1"),
            ("123-456-7890", "area code starting with 0 or 1"),
            ("023-456-7890", "area code starting with 0 or 1"),
            ("+1234567890", "9 digits after the country code"),
            ("555-0143", "7 digits after the country code"),
            ("559-055-0143", "exchange"),
            ("911-555-0143", "service code"),
        ],
    )
    def test_it_refuses_impossible_numbers_naming_the_rule(self, text: str, rule: str) -> None:
        with pytest.raises(InvalidArgument) as caught:
            normalize_phone(text)

        assert rule in caught.value.message
        assert caught.value.field == "phone"

    @pytest.mark.parametrize("text", ["11234567890", "+1234567890", "559-055-0143"])
    def test_it_never_echoes_the_number_in_its_error(self, text: str) -> None:
        with pytest.raises(InvalidArgument) as caught:
            normalize_phone(text)

        digits = "".join(ch for ch in text if ch.isdigit())
        assert digits[-7:] not in caught.value.message.replace("-", "")

    @pytest.mark.parametrize("text", ["", "call me back", "---"])
    def test_it_refuses_text_without_digits(self, text: str) -> None:
        with pytest.raises(InvalidArgument, match="no phone number given"):
            normalize_phone(text)

    def test_it_never_stores_the_trunk_prefix_misreading(self) -> None:
        assert try_normalize_phone("11234567890") is None
        assert try_normalize_phone(None) is None
        assert try_normalize_phone("(559) 555-0143") == "+15595550143"


class TestPhoneZone:
    def test_it_places_an_arizona_number_in_phoenix(self) -> None:
        assert phone_zone("+16025550143") == "America/Phoenix"

    def test_it_places_a_central_valley_number_in_los_angeles(self) -> None:
        assert phone_zones("+15595550143") == ("America/Los_Angeles",)

    def test_it_gives_phoenix_local_hours_without_daylight_saving(self) -> None:
        # S3: calling hours are judged in the recipient's zone.
        zone = ZoneInfo(phone_zone("+1 602 555 0143") or "UTC")

        morning = datetime(2026, 7, 15, 14, 30, tzinfo=UTC).astimezone(zone)
        evening = datetime(2026, 7, 16, 3, 30, tzinfo=UTC).astimezone(zone)

        assert (morning.hour, morning.minute) == (7, 30)
        assert (evening.hour, evening.minute) == (20, 30)

    def test_it_gives_none_for_a_number_without_a_known_zone(self) -> None:
        assert phone_zone("+19995550143") is None


class TestMaskPhone:
    def test_it_shows_only_the_last_four_digits(self) -> None:
        assert mask_phone("+15595550143") == "***-***-0143"
