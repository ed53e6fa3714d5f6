from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from referraldesk.db.session import session_factory
from referraldesk.errors import Ambiguous, InvalidArgument, NotFound
from referraldesk.models import Patient
from referraldesk.patients.identity import (
    NOT_FOUND_MESSAGE,
    NameParts,
    Strength,
    find_by_phone,
    find_patient,
    name_strength,
)
from referraldesk.patients.names import parse_stored_name

from .conftest import add_patient

ANGEL_DOB = date(1979, 11, 22)
MARIA_HYPHEN_DOB = date(1988, 2, 14)
MARIA_ELENA_DOB = date(1985, 4, 3)
MARIA_JOSE_DOB = date(1990, 5, 12)
ANA_TWINS_DOB = date(2001, 7, 1)
TORRES_TWINS_DOB = date(1995, 9, 9)
GUADALUPE_DOB = date(1970, 1, 30)
ERASED_DOB = date(1960, 6, 6)

# (given, surnames, dob, phone)
REGISTRY = {
    "angel": ("Ángel", ["Núñez"], ANGEL_DOB, "+15595550101"),
    "maria_hyphen": ("María", ["López-García"], MARIA_HYPHEN_DOB, "+15595550102"),
    "maria_elena": ("María Elena", ["López", "García"], MARIA_ELENA_DOB, "+15595550143"),
    "maria_jose": ("María José", ["Pérez", "Núñez"], MARIA_JOSE_DOB, "+15595550104"),
    "ana_sofia": ("Ana Sofía", ["Ruiz", "Campos"], ANA_TWINS_DOB, "+15595550105"),
    "ana_lucia": ("Ana Lucía", ["Ruiz", "Campos"], ANA_TWINS_DOB, "+15595550105"),
    "mario": ("Mario", ["Torres"], TORRES_TWINS_DOB, "+15595550107"),
    "maria_torres": ("María", ["Torres"], TORRES_TWINS_DOB, "+15595550108"),
    "guadalupe": ("Guadalupe", ["Hernández", "Soto"], GUADALUPE_DOB, "+15595550109"),
}


@pytest.fixture(scope="module")
def registry(registry_engine: Engine) -> Iterator[tuple[Session, dict[str, str]]]:
    """Patients stored once for the module; the tests only read them."""
    with session_factory(registry_engine)() as session:
        ids = {
            label: add_patient(session, given, surnames, dob, phone).id
            for label, (given, surnames, dob, phone) in REGISTRY.items()
        }
        add_patient(session, "Rosa", ["Díaz"], ERASED_DOB, "+15595550143", status="erased")
        session.commit()
        yield session, ids


def who(
    registry: tuple[Session, dict[str, str]], given: str, surnames: list[str], dob: date
) -> str:
    session, ids = registry
    patient = find_patient(session, given, surnames, dob)
    return next(label for label, patient_id in ids.items() if patient_id == patient.id)


class TestFindPatient:
    @pytest.mark.parametrize(
        ("given", "surnames", "dob", "expected"),
        [
            # U5: accents
            ("Angel", ["Nunez"], ANGEL_DOB, "angel"),
            ("ÁNGEL", ["NÚÑEZ"], ANGEL_DOB, "angel"),
            # U5: hyphens
            ("Maria", ["Lopez", "Garcia"], MARIA_HYPHEN_DOB, "maria_hyphen"),
            ("María", ["López García"], MARIA_HYPHEN_DOB, "maria_hyphen"),
            # U4: two surnames, as the understanding layer hands them over
            ("María José", ["Pérez", "Núñez"], MARIA_JOSE_DOB, "maria_jose"),
        ],
    )
    def test_it_matches_after_folding_accents_case_and_hyphens(
        self,
        registry: tuple[Session, dict[str, str]],
        given: str,
        surnames: list[str],
        dob: date,
        expected: str,
    ) -> None:
        assert who(registry, given, surnames, dob) == expected

    @pytest.mark.parametrize(
        ("given", "surnames", "dob", "expected"),
        [
            ("María José", ["Núñez", "Pérez"], MARIA_JOSE_DOB, "maria_jose"),
            ("Guadalupe", ["Soto", "Hernández"], GUADALUPE_DOB, "guadalupe"),
        ],
    )
    def test_it_takes_surnames_in_either_order(
        self,
        registry: tuple[Session, dict[str, str]],
        given: str,
        surnames: list[str],
        dob: date,
        expected: str,
    ) -> None:
        assert who(registry, given, surnames, dob) == expected

    @pytest.mark.parametrize(
        ("given", "surnames", "dob", "expected"),
        [
            ("María Elena", ["López"], MARIA_ELENA_DOB, "maria_elena"),
            ("María José", ["Pérez"], MARIA_JOSE_DOB, "maria_jose"),
            ("Guadalupe", ["Hernández"], GUADALUPE_DOB, "guadalupe"),
        ],
    )
    def test_it_matches_a_missing_second_surname(
        self,
        registry: tuple[Session, dict[str, str]],
        given: str,
        surnames: list[str],
        dob: date,
        expected: str,
    ) -> None:
        assert who(registry, given, surnames, dob) == expected

    @pytest.mark.parametrize(
        ("given", "surnames", "dob", "expected"),
        [
            ("María", ["López", "García"], MARIA_ELENA_DOB, "maria_elena"),
            ("Maria", ["Perez"], MARIA_JOSE_DOB, "maria_jose"),
        ],
    )
    def test_it_matches_a_missing_second_given_name_when_unique(
        self,
        registry: tuple[Session, dict[str, str]],
        given: str,
        surnames: list[str],
        dob: date,
        expected: str,
    ) -> None:
        assert who(registry, given, surnames, dob) == expected

    @pytest.mark.parametrize(
        ("given", "surnames", "dob", "expected"),
        [
            ("Angel", ["Nunes"], ANGEL_DOB, "angel"),
            ("Guadalupe", ["Hernandes", "Soto"], GUADALUPE_DOB, "guadalupe"),
            ("Guadelupe", ["Hernández", "Soto"], GUADALUPE_DOB, "guadalupe"),
            ("Maria Jose", ["Peres", "Nunez"], MARIA_JOSE_DOB, "maria_jose"),
        ],
    )
    def test_it_forgives_small_misspellings(
        self,
        registry: tuple[Session, dict[str, str]],
        given: str,
        surnames: list[str],
        dob: date,
        expected: str,
    ) -> None:
        assert who(registry, given, surnames, dob) == expected

    @pytest.mark.parametrize(
        ("given", "surnames"),
        [
            ("María", ["José", "Pérez", "Núñez"]),
            ("María José Pérez", ["Núñez"]),
            ("María José Pérez Núñez", []),
        ],
    )
    def test_it_matches_a_name_split_differently_between_given_and_surnames(
        self, registry: tuple[Session, dict[str, str]], given: str, surnames: list[str]
    ) -> None:
        assert who(registry, given, surnames, MARIA_JOSE_DOB) == "maria_jose"

    def test_it_takes_surnames_as_one_string_and_the_birth_date_as_iso_text(
        self, registry: tuple[Session, dict[str, str]]
    ) -> None:
        session, ids = registry

        patient = find_patient(session, "Maria Jose", "Perez Nunez", "1990-05-12")

        assert patient.id == ids["maria_jose"]

    @pytest.mark.parametrize(
        ("given", "surnames"),
        [("Ana", ["Ruiz", "Campos"]), ("Ana", ["Ruiz"]), ("Marie", ["Torres"])],
    )
    def test_it_refuses_to_guess_between_twins(
        self, registry: tuple[Session, dict[str, str]], given: str, surnames: list[str]
    ) -> None:
        session, _ = registry
        dob = TORRES_TWINS_DOB if surnames == ["Torres"] else ANA_TWINS_DOB

        with pytest.raises(Ambiguous) as caught:
            find_patient(session, given, surnames, dob)

        assert "Ruiz" not in caught.value.message and "Torres" not in caught.value.message

    @pytest.mark.parametrize(
        ("given", "surnames", "expected"),
        [
            ("Ana Sofía", ["Ruiz", "Campos"], "ana_sofia"),
            ("Ana Lucia", ["Ruiz"], "ana_lucia"),
            ("María", ["Torres"], "maria_torres"),
            ("Mario", ["Torres"], "mario"),
        ],
    )
    def test_it_tells_twins_apart_by_their_full_given_name(
        self,
        registry: tuple[Session, dict[str, str]],
        given: str,
        surnames: list[str],
        expected: str,
    ) -> None:
        dob = TORRES_TWINS_DOB if surnames == ["Torres"] else ANA_TWINS_DOB

        assert who(registry, given, surnames, dob) == expected

    @pytest.mark.parametrize(
        "dob", [date(1979, 11, 23), date(1979, 11, 21), date(1978, 11, 22), date(1979, 12, 22)]
    )
    def test_it_never_matches_on_the_name_alone(
        self, registry: tuple[Session, dict[str, str]], dob: date
    ) -> None:
        session, _ = registry

        with pytest.raises(NotFound):
            find_patient(session, "Ángel", ["Núñez"], dob)

    @pytest.mark.parametrize(
        ("given", "surnames"),
        [
            ("Pedro", ["Núñez"]),
            ("Ángel", ["Gómez"]),
            ("Elena", ["López"]),
            ("Ángela", ["Núñez", "Ruiz"]),
        ],
    )
    def test_it_refuses_a_different_person_born_the_same_day(
        self, registry: tuple[Session, dict[str, str]], given: str, surnames: list[str]
    ) -> None:
        session, _ = registry
        dob = MARIA_ELENA_DOB if given == "Elena" else ANGEL_DOB

        with pytest.raises(NotFound):
            find_patient(session, given, surnames, dob)

    def test_it_says_the_same_thing_whichever_part_was_wrong(
        self, registry: tuple[Session, dict[str, str]]
    ) -> None:
        session, _ = registry

        with pytest.raises(NotFound) as wrong_name:
            find_patient(session, "Pedro", ["Núñez"], ANGEL_DOB)
        with pytest.raises(NotFound) as wrong_dob:
            find_patient(session, "Ángel", ["Núñez"], date(1980, 1, 1))

        assert wrong_name.value.message == wrong_dob.value.message == NOT_FOUND_MESSAGE
        assert wrong_name.value.field is None

    def test_it_never_finds_an_erased_patient(
        self, registry: tuple[Session, dict[str, str]]
    ) -> None:
        session, _ = registry

        with pytest.raises(NotFound):
            find_patient(session, "Rosa", ["Díaz"], ERASED_DOB)

    @pytest.mark.parametrize(
        ("given", "surnames"), [("Ángel", []), ("", ["Núñez"]), ("Ángel", [" "])]
    )
    def test_it_needs_a_given_name_and_a_surname(
        self, registry: tuple[Session, dict[str, str]], given: str, surnames: list[str]
    ) -> None:
        session, _ = registry

        with pytest.raises(InvalidArgument, match="given name, surname and date of birth"):
            find_patient(session, given, surnames, ANGEL_DOB)

    def test_it_refuses_a_birth_date_that_is_not_a_date(
        self, registry: tuple[Session, dict[str, str]]
    ) -> None:
        session, _ = registry

        with pytest.raises(InvalidArgument, match="YYYY-MM-DD") as caught:
            find_patient(session, "Ángel", ["Núñez"], "22/11/1979")

        assert caught.value.field == "dob"

    def test_it_filters_by_the_birth_date_blind_index_in_sql(
        self, registry: tuple[Session, dict[str, str]], registry_engine: Engine
    ) -> None:
        # The date itself is encrypted; its keyed hash is what SQL can compare.
        session, _ = registry
        statements: list[str] = []

        def capture(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(registry_engine, "before_cursor_execute", capture)
        try:
            find_patient(session, "Ángel", ["Núñez"], ANGEL_DOB)
        finally:
            event.remove(registry_engine, "before_cursor_execute", capture)

        assert any("patients.dob_index IN (?)" in statement for statement in statements)


class TestU4StoredForms:
    @pytest.mark.parametrize(
        "stored", ["PEREZ NUNEZ^MARIA JOSE", "Pérez-Núñez, María José", "Maria Jose Perez"]
    )
    def test_it_finds_maria_jose_however_her_name_was_stored(
        self, session: Session, stored: str
    ) -> None:
        name = parse_stored_name(stored)
        stored_patient = add_patient(session, name.given, name.surnames, MARIA_JOSE_DOB)

        # "Me llamo María José Pérez Núñez", as understood.
        found = find_patient(session, "María José", ["Pérez", "Núñez"], MARIA_JOSE_DOB)

        assert found.id == stored_patient.id


class TestNameStrength:
    @pytest.mark.parametrize(
        ("caller", "stored", "strength"),
        [
            (
                ("María", ["José", "Pérez", "Núñez"]),
                ("María José", ["Pérez", "Núñez"]),
                Strength.EXACT,
            ),
            (("Angel", ["Nunes"]), ("Ángel", ["Núñez"]), Strength.CLOSE),
            (("María", ["López"]), ("María Elena", ["López", "García"]), Strength.PARTIAL),
            (("Elena", ["López"]), ("María Elena", ["López", "García"]), None),
            (("María Elena", []), ("María Elena", ["López"]), None),
            (("Ana", ["Ruiz"]), ("Ava", ["Ruiz"]), None),
        ],
    )
    def test_it_grades_how_two_names_match(
        self,
        caller: tuple[str, list[str]],
        stored: tuple[str, list[str]],
        strength: Strength | None,
    ) -> None:
        assert name_strength(NameParts.of(*caller), NameParts.of(*stored)) == strength


class TestFindByPhone:
    @pytest.mark.parametrize("phone", ["(559) 555-0105", "+1 559 555 0105", "559.555.0105"])
    def test_it_finds_everyone_on_a_shared_phone_in_any_format(
        self, registry: tuple[Session, dict[str, str]], phone: str
    ) -> None:
        session, ids = registry

        found = find_by_phone(session, phone)

        assert {patient.id for patient in found} == {ids["ana_sofia"], ids["ana_lucia"]}

    def test_it_leaves_out_erased_patients(self, registry: tuple[Session, dict[str, str]]) -> None:
        session, ids = registry

        found = find_by_phone(session, "1-559-555-0143")

        assert [patient.id for patient in found] == [ids["maria_elena"]]

    def test_it_finds_nobody_on_an_unknown_number(
        self, registry: tuple[Session, dict[str, str]]
    ) -> None:
        session, _ = registry

        assert find_by_phone(session, "559-555-0199") == []

    def test_it_refuses_an_invalid_number(self, registry: tuple[Session, dict[str, str]]) -> None:
        session, _ = registry

        with pytest.raises(InvalidArgument):
            find_by_phone(session, "11234567890")


def test_registry_holds_only_what_the_tests_expect(
    registry: tuple[Session, dict[str, str]],
) -> None:
    session, ids = registry

    assert session.query(Patient).count() == len(ids) + 1
