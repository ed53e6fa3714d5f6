"""HL7 v2 text: escape sequences both ways (inputs.md M1) and segment endings (M2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.intake.support import HL7_SAMPLES, read_ack, sample, with_endings

from referraldesk.intake.facts import IntakeProblems
from referraldesk.intake.hl7.ack import ack_context, build_ack
from referraldesk.intake.hl7.escapes import Delimiters, escape, unescape
from referraldesk.intake.hl7.framing import split_messages
from referraldesk.intake.hl7.mapping import referral_facts
from referraldesk.intake.hl7.message import read_message

M1_WIRE = r"Knee pain \T\ swelling; see C:\E\referrals\E\ and 120\S\80"
M1_TEXT = "Knee pain & swelling; see C:\\referrals\\ and 120^80"


class TestEscapes:
    def test_it_decodes_the_m1_note(self) -> None:
        assert unescape(M1_WIRE) == M1_TEXT

    def test_it_escapes_the_m1_note_again_the_same_way(self) -> None:
        assert escape(M1_TEXT) == M1_WIRE

    def test_it_reads_the_m1_note_out_of_an_nte_segment(self) -> None:
        message = sample("ref_i12_orthopedics.hl7").replace(
            "Right knee pain and swelling after a fall from a ladder at work on 02/20. "
            r"Effusion on exam \T\ limited flexion.", M1_WIRE)

        facts = referral_facts(read_message(message))

        assert facts.reason == M1_TEXT

    @pytest.mark.parametrize(
        ("wire", "text"),
        [
            (r"Effusion\.br\limited flexion", "Effusion\nlimited flexion"),
            (r"Temp 38\X2E\5 C", "Temp 38.5 C"),
            (r"plain \H\bold\N\ text", "plain bold text"),
            (r"a\F\b\R\c\E\d", "a|b~c\\d"),
        ],
    )
    def test_every_escape_reaches_the_referral_decoded_from_a_whole_message(
        self, wire: str, text: str
    ) -> None:
        """Through hl7apy's parse too: it re-escapes sequences it does not know."""
        message = sample("ref_i12_orthopedics.hl7").replace(
            "Right knee pain and swelling after a fall from a ladder at work on 02/20. "
            r"Effusion on exam \T\ limited flexion.", wire)

        facts = referral_facts(read_message(message))

        assert facts.reason == text

    def test_it_decodes_field_repetition_and_hex_escapes(self) -> None:
        assert unescape(r"a\F\b\R\c\X41\d\H\bold\N\.") == "a|b~cAdbold."

    def test_it_uses_the_separators_the_message_declares(self) -> None:
        odd = Delimiters(field="|", component="#", repetition="~", escape="/", subcomponent="&")

        assert unescape("a/S/b/E/c", odd) == "a#b/c"
        assert escape("a#b/c", odd) == "a/S/b/E/c"

    @given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n")))
    def test_any_text_survives_a_round_trip(self, text: str) -> None:
        assert unescape(escape(text)) == text

    def test_the_ack_escapes_the_text_it_sends(self) -> None:
        ack = build_ack(ack_context(sample("ref_i12_orthopedics.hl7")), "AE", "bad ^ & | ~ \\ x")

        assert read_ack(ack).text == r"bad \S\ \T\ \F\ \R\ \E\ x"


@pytest.mark.parametrize("name", HL7_SAMPLES)
class TestSegmentEndings:
    @pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
    def test_every_ending_gives_the_same_segments(self, name: str, ending: str) -> None:
        reference = read_message(with_endings(sample(name), "\r"))

        message = read_message(with_endings(sample(name), ending))

        assert message.names == reference.names
        assert len(message.names) > 3 and message.names[0] == "MSH"
        assert [s.fields for s in message.segments] == [s.fields for s in reference.segments]
        assert not any("\n" in value for s in message.segments
                       for values in s.fields.values() for value in values)

    @pytest.mark.parametrize("ending", ["\n", "\r\n"])
    def test_every_ending_gives_the_same_referral(self, name: str, ending: str) -> None:
        try:
            reference = referral_facts(read_message(with_endings(sample(name), "\r")))
        except IntakeProblems as refused:
            with pytest.raises(IntakeProblems) as caught:
                referral_facts(read_message(with_endings(sample(name), ending)))
            assert caught.value.problems == refused.problems
            return

        assert referral_facts(read_message(with_endings(sample(name), ending))) == reference


def test_a_file_with_two_messages_splits_at_each_msh() -> None:
    text = with_endings(sample("ref_i12_orthopedics.hl7"), "\n") + "\n" + sample(
        "ref_i12_dermatology_crlf.hl7")

    messages = split_messages(text)

    assert [read_message(m).control_id for m in messages] == ["VFM20260303-0042",
                                                              "VFM20260302-0017"]


def test_the_patient_name_has_no_stray_line_feed() -> None:
    facts = referral_facts(read_message(sample("ref_i12_dermatology_crlf.hl7")))

    assert facts.patient is not None
    assert (facts.patient.given_names, facts.patient.surnames) == ("María Elena",
                                                                   ["López", "García"])


class TestRepetitionsAndOddSegments:
    """Read as senders write them: empty repetitions, a stray space before a name."""

    @pytest.mark.parametrize(
        "pid5",
        [
            "~Ortega^Daniel^^^^^L",
            "Dan^D~~Ortega^Daniel^^^^^L",
            "Ortega^Daniel",
            "~Ortega^Daniel",
        ],
    )
    def test_the_legal_name_is_found_among_empty_repetitions(self, pid5: str) -> None:
        message = sample("ref_i12_orthopedics.hl7").replace(
            "||Ortega^Daniel^^^^^L||", f"||{pid5}||")
        assert f"||{pid5}||" in message

        facts = referral_facts(read_message(message))

        assert facts.patient is not None
        assert (facts.patient.given_names, facts.patient.surnames) == ("Daniel", ["Ortega"])

    @pytest.mark.parametrize(
        "pid13", ["~^PRN^CP^^1^559^5550117", "^PRN^FX^^1^559^5550100~~^PRN^CP^^1^559^5550117"]
    )
    def test_the_mobile_phone_is_found_after_an_empty_repetition(self, pid13: str) -> None:
        message = sample("ref_i12_orthopedics.hl7").replace(
            "||^PRN^CP^^1^559^5550117|", f"||{pid13}|")
        assert f"||{pid13}|" in message

        facts = referral_facts(read_message(message))

        assert facts.patient is not None and facts.patient.phone == "+15595550117"

    @pytest.mark.parametrize("name", [" NTE", "nte", "Nte "])
    def test_a_segment_name_with_a_stray_space_or_in_lowercase_is_still_read(
        self, name: str
    ) -> None:
        message = sample("ref_i12_orthopedics.hl7").replace("\rNTE|1||", f"\r{name}|1||")
        assert f"\r{name}|1||" in message

        facts = referral_facts(read_message(message))

        assert facts.reason.startswith("Right knee pain and swelling")


@pytest.mark.parametrize(
    ("wire", "text"),
    [
        (r"caf\XC3A9\ ok", "café ok"),  # UTF-8 bytes
        (r"caf\XE9\ ok", "café ok"),  # Windows-1252, from senders without UTF-8
        (r"a\X00\b", "ab"),  # a NUL cannot be stored
        (r"a\X1B5B33316D\b", "a[31mb"),  # no terminal escape gets into a note
        (r"line\X0D0A\next", "line\nnext"),
    ],
)
def test_hex_escapes_decode_to_text_without_control_characters(wire: str, text: str) -> None:
    assert unescape(wire) == text
