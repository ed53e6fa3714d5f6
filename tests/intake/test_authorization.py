"""The plan's prior authorization, from every door that can carry it: the number sets the
urgent target (96 hours, else 48), a missing one is asked for, its window is kept."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION, read_ack, sample

from referraldesk.intake.csv_rows import import_csv
from referraldesk.intake.fhir.service import receive_fhir
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import Referral

KNEE = "ref_i12_orthopedics.hl7"
PEDS = "fhir_bundle_peds_referral.json"
# Received Wednesday 2026-03-04 10:00 PST (18:00 UTC): 48 hours is Friday the 6th,
# 96 hours Sunday the 8th (in PDT by then), 15 business days Wednesday the 25th.
URGENT_WITHOUT_AUTHORIZATION = date(2026, 3, 6)
URGENT_WITH_AUTHORIZATION = date(2026, 3, 8)
ROUTINE = date(2026, 3, 25)
CRD = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"


def hl7_lines(name: str = KNEE) -> list[str]:
    return [line for line in sample(name).replace("\r\n", "\r").split("\r") if line]


def with_field(line: str, number: int, value: str) -> str:
    """A (non-MSH) segment with field `number` set, padded with empty fields if needed."""
    fields = line.split("|")
    fields += [""] * (number + 1 - len(fields))
    fields[number] = value
    return "|".join(fields)


def knee(*, urgent: bool = False, aut: str | None = None, rf1_11: str | None = None) -> str:
    lines = hl7_lines()
    rf1 = next(i for i, line in enumerate(lines) if line.startswith("RF1|"))
    if urgent:
        lines[rf1] = with_field(lines[rf1], 2, "S^Stat^HL70280")
    if rf1_11:
        lines[rf1] = with_field(lines[rf1], 11, rf1_11)
    if aut is not None:
        lines.insert(rf1 + 1, aut)
    return "\r".join(lines) + "\r"


def hl7_referral(db: Session, text: str) -> Referral:
    outcome = receive_hl7(db, INTEGRATION, text, channel="hl7_http")
    assert outcome.applied, outcome.summary
    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None
    return referral


def fhir_referral(db: Session, bundle: dict[str, Any]) -> Referral:
    outcome = receive_fhir(db, INTEGRATION, json.dumps(bundle), sender="tulare-peds")
    assert outcome.applied, outcome.summary
    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None
    return referral


def urgent_peds(**changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pediatric Bundle asked for urgently, without its window, and its ServiceRequest."""
    bundle = json.loads(sample(PEDS))
    service_request = next(entry["resource"] for entry in bundle["entry"]
                           if entry["resource"]["resourceType"] == "ServiceRequest")
    service_request["priority"] = "urgent"
    del service_request["occurrencePeriod"]
    service_request.update(changes)
    return bundle, service_request


def authorization(referral: Referral) -> tuple[str | None, date | None, date | None]:
    return (referral.authorization_number, referral.authorization_from,
            referral.authorization_until)


class TestHl7:
    def test_the_sample_keeps_its_referral_dates_as_the_window_it_is_good_for(
        self, db: Session
    ) -> None:
        referral = hl7_referral(db, sample(KNEE))

        assert authorization(referral) == (None, date(2026, 3, 3), date(2026, 4, 17))
        assert (referral.status, referral.target_date) == ("accepted", ROUTINE)

    def test_an_aut_segment_gives_the_number_and_the_days_it_covers(self, db: Session) -> None:
        aut = "AUT|HNMC^Health Net Medi-Cal|HN001|Health Net|20260301|20260531|PA-7731^HNMC"

        referral = hl7_referral(db, knee(urgent=True, aut=aut))

        assert authorization(referral) == ("PA-7731", date(2026, 3, 1), date(2026, 5, 31))
        assert (referral.urgency, referral.target_date) == ("urgent", URGENT_WITH_AUTHORIZATION)
        assert referral.status == "accepted"

    def test_an_urgent_referral_without_authorization_gets_48_hours(self, db: Session) -> None:
        referral = hl7_referral(db, knee(urgent=True))

        assert referral.target_date == URGENT_WITHOUT_AUTHORIZATION

    def test_an_aut_segment_without_its_number_asks_for_it(self, db: Session) -> None:
        referral = hl7_referral(db, knee(aut="AUT|HNMC^Health Net Medi-Cal|HN001|Health Net"))

        assert referral.status == "needs_info"
        assert referral.history[-1].reason == "missing: authorization"

    def test_rf1_11_is_the_plans_number_for_the_referral(self, db: Session) -> None:
        referral = hl7_referral(db, knee(urgent=True, rf1_11="HN-REF-5521"))

        assert authorization(referral) == ("HN-REF-5521", date(2026, 3, 3), date(2026, 4, 17))
        assert referral.target_date == URGENT_WITH_AUTHORIZATION

    def test_an_unreadable_aut_date_is_refused_with_its_field(self, db: Session) -> None:
        aut = "AUT|HNMC|HN001|Health Net|20260301|31/05/2026|PA-7731"

        outcome = receive_hl7(db, INTEGRATION, knee(aut=aut), channel="hl7_http")

        ack = read_ack(outcome.reply)
        assert not outcome.applied
        assert ack.code == "AE"
        assert "AUT-5: '31/05/2026' is not a date" in outcome.summary


class TestFhir:
    def test_the_sample_carries_no_authorization(self, db: Session) -> None:
        referral = fhir_referral(db, json.loads(sample(PEDS)))

        assert authorization(referral) == (None, None, None)
        assert referral.target_date == date(2026, 5, 25)

    def test_a_claim_response_in_supporting_info_gives_the_authorization(
        self, db: Session
    ) -> None:
        bundle, service_request = urgent_peds(
            supportingInfo=[{"reference": "urn:uuid:6f1e2c7a-0005-4c1b-9a11-0a0000000005"}])
        bundle["entry"].append({
            "fullUrl": "urn:uuid:6f1e2c7a-0005-4c1b-9a11-0a0000000005",
            "resource": {
                "resourceType": "ClaimResponse", "status": "active", "use": "preauthorization",
                "type": {"coding": [{"code": "professional", "system":
                                     "http://terminology.hl7.org/CodeSystem/claim-type"}]},
                "patient": {"reference": service_request["subject"]["reference"]},
                "created": "2026-03-02", "insurer": {"display": "Anthem Blue Cross Medi-Cal"},
                "outcome": "complete", "preAuthRef": "ABC-PA-22817",
                "preAuthPeriod": {"start": "2026-03-02", "end": "2026-06-30"},
            },
            "request": {"method": "POST", "url": "ClaimResponse"},
        })

        referral = fhir_referral(db, bundle)

        assert authorization(referral) == ("ABC-PA-22817", date(2026, 3, 2), date(2026, 6, 30))
        assert (referral.urgency, referral.target_date) == ("urgent", URGENT_WITH_AUTHORIZATION)

    def test_a_crd_extension_that_needs_an_authorization_without_its_id_asks_for_it(
        self, db: Session
    ) -> None:
        bundle, _ = urgent_peds(extension=[{"url": CRD, "extension": [
            {"url": "pa-needed", "valueCode": "auth-needed"},
            {"url": "date", "valueDate": "2026-03-04"},
        ]}])

        referral = fhir_referral(db, bundle)

        assert referral.status == "needs_info"
        assert referral.history[-1].reason == "missing: authorization"
        assert referral.target_date == URGENT_WITH_AUTHORIZATION

    def test_a_crd_extension_with_the_id_gives_the_number(self, db: Session) -> None:
        bundle, _ = urgent_peds(extension=[{"url": CRD, "extension": [
            {"url": "pa-needed", "valueCode": "satisfied"},
            {"url": "satisfied-pa-id", "valueString": "ABC-PA-30001"},
        ]}])

        referral = fhir_referral(db, bundle)

        assert authorization(referral) == ("ABC-PA-30001", None, None)
        assert referral.status == "accepted"


def test_a_csv_row_may_carry_the_authorization(db: Session) -> None:
    header, first_row = sample("referrals.csv").splitlines()[:2]
    text = (f"{header},authorization_number,authorization_until\n"
            f"{first_row},HN-PA-4410,2026-05-31\n")

    [row] = import_csv(db, INTEGRATION, text, source_name="with-auth.csv").rows

    referral = db.get(Referral, row.referral_id)
    assert referral is not None
    assert authorization(referral) == ("HN-PA-4410", None, date(2026, 5, 31))
