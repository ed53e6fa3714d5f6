from __future__ import annotations

import pytest

from referraldesk.patients.names import (
    PersonName,
    fold,
    name_key,
    parse_stored_name,
    split_surnames,
)


class TestFold:
    @pytest.mark.parametrize(
        ("text", "folded"),
        [
            ("Núñez", "nunez"),
            ("ÁNGEL", "angel"),
            ("López-García", "lopez garcia"),
            ("O'Neil", "o neil"),
            ("Ma. José", "ma jose"),
            ("  María   José  ", "maria jose"),
            ("Pérez – Núñez", "perez nunez"),
            ("Straße", "strasse"),
        ],
    )
    def test_it_folds_accents_case_and_punctuation(self, text: str, folded: str) -> None:
        assert fold(text) == folded

    def test_it_gives_the_same_key_for_spellings_of_one_name(self) -> None:
        assert name_key("María José", ["Pérez", "Núñez"]) == "maria jose|perez nunez"
        assert name_key("MARIA JOSE", ["PEREZ-NUNEZ"]) == "maria jose|perez nunez"


class TestParseStoredName:
    @pytest.mark.parametrize(
        ("stored", "given", "surnames"),
        [
            ("PEREZ NUNEZ^MARIA JOSE", "Maria Jose", ["Perez", "Nunez"]),
            ("Pérez-Núñez, María José", "María José", ["Pérez", "Núñez"]),
            ("Maria Jose Perez", "Maria Jose", ["Perez"]),
            ("López García, María Elena", "María Elena", ["López", "García"]),
            ("María José Pérez Núñez", "María José", ["Pérez", "Núñez"]),
            ("Juan Pérez Núñez", "Juan", ["Pérez", "Núñez"]),
            ("Ramón Gil", "Ramón", ["Gil"]),
            ("García de la Cruz, Rosa", "Rosa", ["García", "de la Cruz"]),
            ("Ortega^Daniel^^^^^L", "Daniel", ["Ortega"]),
            ("Hernández^José Luis^^^^^L", "José Luis", ["Hernández"]),
            ("SMITH^JOHN^PAUL", "John Paul", ["Smith"]),
            ("Ortega^Daniel~Ortega^Dan", "Daniel", ["Ortega"]),
        ],
    )
    def test_it_reads_names_as_other_systems_store_them(
        self, stored: str, given: str, surnames: list[str]
    ) -> None:
        assert parse_stored_name(stored) == PersonName(given=given, surnames=surnames)

    def test_it_keeps_a_single_word_as_the_given_name(self) -> None:
        assert parse_stored_name("Cher") == PersonName(given="Cher", surnames=[])

    def test_it_splits_hyphenated_and_spaced_surnames_alike(self) -> None:
        assert (
            split_surnames("López-García")
            == split_surnames("López García")
            == [
                "López",
                "García",
            ]
        )
