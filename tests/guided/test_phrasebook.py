from datetime import date, datetime, time
from string import Formatter

import pytest
from tests.guided.fake_practice import ZONE

from referraldesk.conversation.phrasebook import (
    join_words,
    long_date,
    say,
    short_slot_label,
    spoken_datetime,
    spoken_time,
    templates,
)
from referraldesk.conversation.phrasebook.phrasebook import calendar


def test_it_keeps_the_same_keys_in_both_languages() -> None:
    assert set(templates("en")) == set(templates("es"))
    assert set(calendar("en")) == set(calendar("es"))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_it_formats_every_template_with_exactly_its_declared_params(lang: str) -> None:
    for key, template in templates(lang).items():
        used = {name for _, name, _, _ in Formatter().parse(template.text) if name}

        text = say(key, lang, **{name: f"<{name}>" for name in template.params})

        assert used <= set(template.params), key
        assert "{" not in text, key


def test_it_declares_the_same_params_in_both_languages() -> None:
    for key, template in templates("en").items():
        assert set(template.params) == set(templates("es")[key].params), key


def test_it_refuses_a_call_that_leaves_out_a_param() -> None:
    with pytest.raises(KeyError, match="needs params when"):
        say("booked", "en", provider="Dr. Reyes", location="Visalia Main")


def test_it_says_dates_and_times_in_each_language() -> None:
    start = datetime(2026, 3, 10, 7, 0, tzinfo=ZONE)

    assert spoken_datetime(start, "en") == "Tuesday March 10 at 7:00 AM"
    assert spoken_datetime(start, "es") == "martes 10 de marzo a las 7:00 a. m."
    assert (
        spoken_datetime(start.replace(hour=13, minute=30), "es")
        == "martes 10 de marzo a la 1:30 p. m."
    )
    assert spoken_time(time(12, 0), "en") == "12:00 PM"
    assert long_date(date(1985, 4, 3), "es") == "3 de abril de 1985"
    assert long_date(date(1985, 4, 3), "en") == "April 3, 1985"


def test_it_labels_a_slot_option_in_each_language() -> None:
    start = datetime(2026, 3, 10, 7, 0, tzinfo=ZONE)

    assert short_slot_label(start, "Dra. Reyes", "en") == "Tue Mar 10, 7:00 AM — Dr. Reyes"
    assert short_slot_label(start, "Dra. Reyes", "es") == "mar 10 de marzo, 7:00 a. m. — Dra. Reyes"


def test_it_joins_lists_with_the_right_conjunction() -> None:
    assert join_words(["a", "b", "c"], "en") == "a, b and c"
    assert join_words(["Ana", "Isabel"], "es") == "Ana e Isabel"
    assert join_words(["siete", "ocho"], "es", "or") == "siete u ocho"
    assert join_words(["one"], "en") == "one"


def test_it_writes_spanish_with_accents_and_usted() -> None:
    spanish = " ".join(template.text for template in templates("es").values())

    assert "¿En qué le puedo ayudar?" in spanish
    assert " tú " not in spanish and "puedes" not in spanish
