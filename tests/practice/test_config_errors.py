from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.models import AuditEvent, Location, Practice, Provider
from referraldesk.practice.loader import load_file
from referraldesk.practice.problems import ConfigError
from referraldesk.practice.validate import parse_config


class _NoAliases(yaml.SafeDumper):
    # Practice files may not use aliases; a copied dict must be written out in full.
    def ignore_aliases(self, data: Any) -> bool:
        return True


def problems_of(data: Any) -> list[str]:
    text = yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "practice.yaml")
    return caught.value.lines()


def where(lines: list[str]) -> list[str]:
    """The `path` part of each `FILE: path: reason` line."""
    return [line.split(": ", 2)[1] for line in lines]


def test_it_accepts_the_small_practice(small_practice: dict[str, Any]) -> None:
    config = parse_config(yaml.safe_dump(small_practice), "practice.yaml")

    assert [p.npi for p in config.providers] == ["1234567893", "1904000118"]
    assert config.providers[0].blocks[0].days == ["mon", "tue"]


def test_it_reports_three_mistakes_as_three_lines(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["npi"] = "1234567890"
    small_practice["providers"][1]["plans"] = ["Aetna PPO"]
    small_practice["providers"][1]["blocks"][0]["end"] = "13:00"

    lines = problems_of(small_practice)

    assert where(lines) == [
        "providers[0].npi",
        "providers[1].plans[0]",
        "providers[1].blocks[0].end",
    ]
    assert all(line.startswith("practice.yaml: ") for line in lines)


def test_it_names_the_line_of_each_mistake() -> None:
    text = (
        "practice:\n"
        "  name: Test\n"
        "locations:\n"
        "  - key: main\n"
        "    name: Main\n"
        "    timezone: America/Los_Angelos\n"
    )

    with pytest.raises(ConfigError) as caught:
        parse_config(text, "p.yaml")

    assert caught.value.lines() == [
        "p.yaml: locations[0].timezone: 'America/Los_Angelos' is not an IANA time zone; "
        "use a name like America/Los_Angeles (line 6)"
    ]


def test_it_refuses_a_bad_npi_check_digit(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["npi"] = "1234567890"

    (line,) = problems_of(small_practice)

    assert "providers[0].npi: NPI '1234567890' fails the NPI check digit" in line


def test_it_refuses_an_npi_of_the_wrong_length(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["npi"] = "12345"

    (line,) = problems_of(small_practice)

    assert "must be exactly 10 digits" in line


@pytest.mark.parametrize("typed", ["sp", "xx", "english", "e5"])
def test_a_language_that_is_no_iso_639_code_is_refused(
    small_practice: dict[str, Any], typed: str
) -> None:
    small_practice["providers"][0]["languages"] = ["en", typed]

    (line,) = problems_of(small_practice)

    assert f"providers[0].languages[1]: {typed!r} is not an ISO 639 language code" in line


@pytest.mark.parametrize(("typed", "kept"), [("spa", "es"), ("SPA", "es"), ("eng", "en"),
                                            ("hmn", "hmn"), (" es ", "es")])
def test_a_language_is_kept_in_its_shortest_standard_form(
    small_practice: dict[str, Any], typed: str, kept: str
) -> None:
    small_practice["providers"][0]["languages"] = [typed]

    config = parse_config(yaml.safe_dump(small_practice), "practice.yaml")

    assert config.providers[0].languages == [kept]


def test_it_names_an_unknown_location_and_the_known_ones(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["locations"] = ["tulare"]
    small_practice["providers"][0]["blocks"][0]["location"] = "main"

    lines = problems_of(small_practice)

    assert where(lines) == ["providers[0].locations[0]", "providers[0].blocks[0].location"]
    assert "unknown location 'tulare'; known: main" in lines[0]
    assert "is not among this provider's locations [tulare]" in lines[1]


def test_it_names_an_unknown_plan(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["plans"] = ["medicare", "Blue Shield"]

    (line,) = problems_of(small_practice)

    assert "providers[0].plans[1]: unknown plan 'Blue Shield'; known: medicare, self_pay" in line


def test_it_names_an_unknown_specialty_for_providers_and_services(
    small_practice: dict[str, Any],
) -> None:
    small_practice["providers"][0]["specialty"] = "podiatry"
    small_practice["services"][0]["specialty"] = "podiatry"

    lines = problems_of(small_practice)

    assert where(lines) == ["services[0].specialty", "providers[0].specialty"]


def test_it_refuses_a_block_outside_the_sites_hours(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["blocks"][0]["start"] = "07:00"

    (line,) = problems_of(small_practice)

    assert line.startswith("practice.yaml: providers[0].blocks[0].start: block 07:00-12:00 at main")
    assert "outside the site's office hours (mon 08:00-17:00; tue 08:00-17:00)" in line


def test_it_refuses_a_block_on_a_day_the_site_is_closed(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][1]["blocks"][0]["days"] = ["sun"]

    (line,) = problems_of(small_practice)

    assert "providers[1].blocks[0].days:" in line
    assert "sun closed" in line


def test_a_past_extra_span_is_history_and_only_one_still_to_come_must_fit_the_hours(
    small_practice: dict[str, Any], frozen_now: Callable[[str], datetime]
) -> None:
    frozen_now("2026-03-10T16:00:00+00:00")
    # Saturdays at main are 08:00-12:00 now; both spans are on a Saturday afternoon.
    small_practice["providers"][1]["exceptions"] = [
        {"date": "2026-03-07", "kind": "extra", "start": "13:00", "end": "15:00",
         "location": "main"},
        {"date": "2026-03-14", "kind": "extra", "start": "13:00", "end": "15:00",
         "location": "main"},
    ]

    (line,) = problems_of(small_practice)

    assert line == (
        "practice.yaml: providers[1].exceptions[1].start: extra span 13:00-15:00 on 2026-03-14 "
        "(sat) is outside main's office hours that day; move it inside them (line 64)")


def test_it_refuses_overlapping_blocks_of_one_provider(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["blocks"].append(
        {"days": "tue", "start": "11:00", "end": "13:00", "location": "main"}
    )

    (line,) = problems_of(small_practice)

    assert "providers[0].blocks[1]: overlaps blocks[0] (08:00-12:00 at main) on tue" in line


def test_it_refuses_duplicate_npis_and_keys(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][1]["npi"] = "1234567893"
    small_practice["locations"].append(dict(small_practice["locations"][0]))

    lines = problems_of(small_practice)

    assert where(lines) == ["locations[1].key", "providers[1].npi"]
    assert "is already used by providers[0]" in lines[1]


def test_it_refuses_a_plan_alias_that_names_another_plan(small_practice: dict[str, Any]) -> None:
    small_practice["plans"][1]["aliases"] = ["medicare"]

    (line,) = problems_of(small_practice)

    assert "plans[1].aliases[0]: 'medicare' already names plans[0]" in line


def test_it_names_unknown_fields_with_the_known_ones(small_practice: dict[str, Any]) -> None:
    small_practice["providers"][0]["speciality"] = "dermatology"

    (line,) = problems_of(small_practice)

    assert "providers[0].speciality: unknown field; check its spelling (known: npi, title" in line


def test_it_names_missing_fields(small_practice: dict[str, Any]) -> None:
    del small_practice["services"][0]["duration_minutes"]

    (line,) = problems_of(small_practice)

    assert line.startswith("practice.yaml: services[0].duration_minutes: required; add it")


def test_it_refuses_unknown_sections(small_practice: dict[str, Any]) -> None:
    small_practice["doctors"] = []

    (line,) = problems_of(small_practice)

    assert "doctors: unknown section; the sections are practice, locations" in line


def test_it_refuses_impossible_times_and_backwards_spans(small_practice: dict[str, Any]) -> None:
    small_practice["locations"][0]["hours"]["mon"] = "17:00-08:00"
    small_practice["providers"][0]["blocks"][0]["end"] = "25:00"

    lines = problems_of(small_practice)

    assert where(lines) == ["locations[0].hours.mon[0]", "providers[0].blocks[0].end"]
    assert "ends before it starts" in lines[0]
    assert "hours go 00-23" in lines[1]


def test_it_refuses_languages_the_agent_does_not_speak(small_practice: dict[str, Any]) -> None:
    small_practice["practice"]["languages"] = ["en", "fr"]

    (line,) = problems_of(small_practice)

    assert "practice.languages: the agent cannot speak fr; choose from en, es" in line


def test_it_reports_a_yaml_syntax_error_with_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("practice:\n  name: [unclosed\n", "p.yaml")

    (line,) = caught.value.lines()
    assert line.startswith("p.yaml: (file): not valid YAML")
    assert line.endswith("(line 3)")


def test_it_reads_clock_times_and_off_as_written() -> None:
    # YAML 1.1 would make 19:30 the integer 1170 and `off` the boolean false.
    text = (
        "practice: {name: Test}\n"
        "locations:\n"
        "  - {key: main, name: Main, timezone: America/Los_Angeles, phone: +15595550600,\n"
        "     hours: {mon: 10:30-19:30}}\n"
        "specialties: [{key: derm, nucc: 207N00000X, label_en: D, label_es: D}]\n"
        "providers:\n"
        "  - npi: 1234567893\n"
        "    given_name: A\n"
        "    family_name: B\n"
        "    specialty: derm\n"
        "    locations: [main]\n"
        "    blocks: [{days: mon, start: 10:30, end: 19:30, location: main}]\n"
        "    exceptions: [{date: 2026-03-09, kind: off}]\n"
    )

    config = parse_config(text, "p.yaml")

    assert config.locations[0].hours["mon"][0].text() == "10:30-19:30"
    assert config.locations[0].phone == "+15595550600"
    assert config.providers[0].exceptions[0].kind == "off"


def test_config_error_is_an_invalid_argument_naming_the_first_path(
    small_practice: dict[str, Any],
) -> None:
    small_practice["providers"][0]["npi"] = "1234567890"

    with pytest.raises(InvalidArgument) as caught:
        parse_config(yaml.safe_dump(small_practice), "practice.yaml")

    assert caught.value.field == "providers[0].npi"
    assert caught.value.message.startswith("practice.yaml: 1 problem, nothing was applied")


def test_a_broken_file_applies_nothing(
    engine: Engine,
    small_practice: dict[str, Any],
    write_practice: Callable[[dict[str, Any]], Path],
) -> None:
    small_practice["providers"][1]["blocks"][0]["start"] = "06:00"
    path = write_practice(small_practice)

    with Session(engine) as session:
        with pytest.raises(ConfigError):
            load_file(session, path)
        counts = [
            session.scalar(select(func.count()).select_from(model))
            for model in (Practice, Location, Provider, AuditEvent)
        ]

    assert counts == [0, 0, 0, 0]
