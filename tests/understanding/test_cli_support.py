"""The JSON helpers behind `referraldesk understand`."""

from __future__ import annotations

import json

from referraldesk.understanding.cli_support import understand_batch, understand_json

API_KEYS = {
    "language",
    "intent",
    "dates",
    "times",
    "window",
    "dob",
    "name",
    "phone",
    "plan",
    "specialty",
    "yes_no",
}


def test_it_returns_the_api_shape_for_one_turn() -> None:
    result = understand_json(
        "el viernes a las 3 de la tarde", "es", "2026-03-04T10:00:00-08:00", None
    )

    assert set(result) >= API_KEYS
    assert result["dates"] == ["2026-03-06"]
    assert result["times"] == ["15:00"]


def test_it_reads_a_naive_now_as_site_local_time() -> None:
    assert understand_json("mañana", "es", "2026-03-04T23:30:00", None)["dates"] == ["2026-03-05"]


def test_it_answers_each_batch_line_in_order_and_reports_bad_lines() -> None:
    lines = [
        json.dumps(
            {
                "text": "12/31/68",
                "lang": "en",
                "now": "2026-03-04T10:00:00-08:00",
                "awaiting": "dob",
            }
        ),
        '{"text": "unfinished',
        json.dumps({"lang": "en"}),
        "",
        json.dumps({"text": "sí", "now": "2026-03-04T10:00:00-08:00"}),
    ]

    results = list(understand_batch(lines))

    assert results[0]["dob"] == "1968-12-31"
    assert results[1]["error"].startswith("line 2:")
    assert results[2]["error"].startswith("line 3:")
    assert results[3]["yes_no"] is True
    assert len(results) == 4


def test_it_defaults_now_to_the_current_time() -> None:
    assert understand_json("hoy", "es")["dates"]


def test_a_batch_takes_plain_lines_with_the_commands_options() -> None:
    lines = ["12/31/68\n", "\n", "mañana\n", '{"text": "yes", "lang": "en"}\n']

    results = list(understand_batch(lines, "es", "2026-03-04T10:00:00-08:00", "dob"))

    assert [result.get("error") for result in results] == [None, None, None]
    assert results[0]["dob"] == "1968-12-31"
    assert results[1]["dates"] == ["2026-03-05"]
    assert results[2]["language"] == "en"
    assert results[2]["yes_no"] is True
