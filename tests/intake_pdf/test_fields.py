"""Reading fields from a form's text: labels, sections, shapes, and OCR's usual slips."""

from __future__ import annotations

import pytest

from referraldesk.intake.pdf import values
from referraldesk.intake.pdf.fields import ASSUMED_ROUTINE, extract

FORM = """Valley Family Medicine
REFERRAL FORM          Fax: (559) 555-0100   Date: 03/03/2026
Referral #: VFM-2026-0142
PATIENT INFORMATION
Name: LOPEZ GARCIA, Maria Elena   DOB: 03/14/1988
Phone: (559) 555-0142   Language: Spanish
Insurance: Anthem Medi-Cal    Member ID: AMC123456
REFERRING PROVIDER
Name: Dr. Priya Natarajan   NPI: 1234567893
Practice: Valley Family Medicine   Phone: 559-555-0100
Refer to: Dermatology
Reason for referral: Persistent eczema on both hands, not
responding to topical steroids for 3 months.
Diagnosis: L20.9, L30.9
Urgency: [ ] Routine [X] Urgent
"""


def _values(text: str) -> dict[str, str]:
    return {name: found.value for name, found in extract(text).fields.items()}


def test_a_labelled_form_gives_every_field() -> None:
    assert _values(FORM) == {
        "placer_id": "VFM-2026-0142", "referring_practice": "Valley Family Medicine",
        "referring_provider": "Dr. Priya Natarajan", "referring_provider_npi": "1234567893",
        "patient_given": "Maria Elena", "patient_surnames": "Lopez Garcia",
        "patient_dob": "1988-03-14", "patient_phone": "+15595550142",
        "preferred_language": "es", "plan": "Anthem Medi-Cal", "member_id": "AMC123456",
        "specialty": "Dermatology",
        "reason": "Persistent eczema on both hands, not responding to topical steroids for "
                  "3 months.",
        "icd10": "L20.9, L30.9", "urgency": "urgent",
    }


def test_a_generic_label_belongs_to_its_section() -> None:
    fields = extract(FORM).fields

    # "Phone:" under REFERRING PROVIDER is the office's, not the patient's.
    assert fields["patient_phone"].value == "+15595550142"
    assert fields["referring_provider"].confidence == 0.85


def test_a_spanish_form_reads_day_first_dates_and_spanish_labels() -> None:
    text = ("Clínica del Valle\nDATOS DEL PACIENTE\nNombre del paciente: José Luis Hernández Ruiz\n"
            "Fecha de nacimiento: 04/03/1961\nTeléfono: 559 555 0117\n"
            "Seguro: Medicare   Número de miembro: MC445566\n"
            "Médico que refiere: Dra. Carmen Vega\nEspecialidad: Cardiología\n"
            "Motivo de la referencia: Palpitaciones\nUrgencia: URGENTE\n")

    result = extract(text)

    assert result.language == "es"
    assert {name: result.fields[name].value for name in
            ("patient_given", "patient_surnames", "patient_dob", "member_id", "specialty",
             "urgency", "referring_provider")} == {
        "patient_given": "José Luis", "patient_surnames": "Hernández Ruiz",
        "patient_dob": "1961-03-04", "member_id": "MC445566", "specialty": "Cardiología",
        "urgency": "urgent", "referring_provider": "Dra. Carmen Vega"}
    # Day and month could be swapped, and the split of four names is a guess.
    assert result.fields["patient_dob"].confidence == values.AMBIGUOUS_DATE
    assert result.fields["patient_given"].confidence == values.GUESSED_NAME_SPLIT


def test_what_no_label_names_is_found_by_its_shape() -> None:
    text = ("Kings River Health Center\nDear colleague,\nI am referring Ms. Carter to "
            "orthopedics. STAT please.\nDx M25.561 and S83.241A noted.\n"
            "Dr. Alan Brooks, MD, NPI 1245319599\n")

    fields = extract(text).fields

    assert fields["icd10"].value == "M25.561, S83.241A"
    assert fields["urgency"].value == "urgent"
    assert fields["referring_provider"].value == "Dr. Alan Brooks"
    assert fields["referring_provider_npi"].value == "1245319599"
    assert fields["specialty"].value == "orthopedics"
    assert fields["referring_practice"].value == "Kings River Health Center"


def test_a_form_that_never_says_urgent_is_routine_but_flagged() -> None:
    found = extract("Patient: Emily Carter\nReason: rash\n").fields["urgency"]

    assert (found.value, found.confidence) == ("routine", ASSUMED_ROUTINE)


def test_a_missing_field_is_empty_with_no_confidence() -> None:
    found = extract("Patient: Emily Carter\n").fields["member_id"]

    assert (found.value, found.confidence) == ("", 0.0)


@pytest.mark.parametrize(("text", "expected"), [
    ("03/14/1988", ("1988-03-14", values.SURE)),
    ("1988-03-14", ("1988-03-14", values.SURE)),
    ("March 14, 1988", ("1988-03-14", values.SURE)),
    ("14 de marzo de 1988", ("1988-03-14", values.SURE)),
    ("03/04/1988", ("1988-03-04", values.AMBIGUOUS_DATE)),
    ("02/30/1990", None),
    ("unknown", None),
])
def test_dates_as_forms_write_them(text: str, expected: tuple[str, float] | None) -> None:
    assert values.read_date(text) == expected


def test_an_npi_with_a_wrong_check_digit_is_kept_but_doubted() -> None:
    assert values.read_npi("NPI 1234567893") == ("1234567893", values.SURE)
    assert values.read_npi("1234567890") == ("1234567890", values.UNSURE)


def test_icd10_codes_survive_ocr_slips() -> None:
    # OCR reads 0 as O inside a code and the letter I as the digit 1.
    assert values.read_icd10("RO6.2, 149.9; M25.561") == ["R06.2", "I49.9", "M25.561"]
    assert values.unread_code_count("20.9, L30.9", ["L30.9"]) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("[X] Routine [ ] Urgent", "routine"), ("[ ] Routine [x] Urgent", "urgent"),
    ("STAT", "urgent"), ("Rutina", "routine"), ("URGENTE", "urgent"),
])
def test_urgency_from_words_and_ticked_boxes(text: str, expected: str) -> None:
    assert values.read_urgency(text) == (expected, values.SURE)


def test_boxes_with_none_ticked_say_nothing() -> None:
    assert values.read_urgency("[ ] Routine [ ] Urgent") is None
