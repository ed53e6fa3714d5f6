"""Template filters on their own: local times across DST, labels, numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from referraldesk.admin.filters import (
    local_time,
    percent,
    sentiment_label,
    state_label,
    window_text,
    words,
)


def test_local_time_follows_the_zone_across_the_dst_change() -> None:
    before = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    after = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)

    assert local_time(before, "America/Los_Angeles") == "Sat Mar 07, 09:00"
    assert local_time(after, "America/Los_Angeles") == "Mon Mar 09, 09:00"
    assert local_time(None, "America/Los_Angeles") == ""


def test_sentiment_is_cut_in_three() -> None:
    assert [sentiment_label(v) for v in (-0.5, 0.0, 0.5, None)] == [
        "negative", "neutral", "positive", "not analysed"]


def test_states_and_keys_read_as_words() -> None:
    assert state_label("contacting") == "Contacting patient"
    assert state_label("someday") == "someday"
    assert words("physical_therapy") == "Physical therapy"
    assert percent(0.256) == "26%" and percent(None) == "–"


def test_a_contact_window_reads_as_words() -> None:
    assert window_text({"weekdays": ["sat"], "after": "08:00", "before": None}) == "sat after 08:00"
