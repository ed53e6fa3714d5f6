"""Twilio signature checks, including row W1 of cases/inputs.md (behind a TLS proxy)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from referraldesk.channels import sms

TOKEN = "12345678901234567890123456789012"
PUBLIC = "https://clinic.example.org"
FIELDS = [("From", "+15595550143"), ("Body", "hola"), ("MessageSid", "SM1")]


def signature(url: str, fields: list[tuple[str, str]]) -> str:
    return RequestValidator(TOKEN).compute_signature(url, ImmutableMultiDict(fields))


def check(
    fields: list[tuple[str, str]],
    headers: dict[str, str],
    *,
    query: str = "",
    public: str = PUBLIC,
    token: str | None = TOKEN,
) -> sms.Verdict:
    return sms.verify(
        auth_token=token,
        public_url=public,
        path="/twilio/sms",
        query=query,
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        body=urlencode(fields).encode(),
        headers=headers,
    )


def test_w1_a_signature_for_the_public_url_is_valid_behind_the_proxy() -> None:
    # Twilio signed https://clinic.example.org/twilio/sms; the app sees
    # http://10.0.0.5:8000/twilio/sms, which plays no part in the check.
    signed = signature("https://clinic.example.org/twilio/sms", FIELDS)

    verdict = check(FIELDS, {"x-twilio-signature": signed, "host": "10.0.0.5:8000"})

    assert verdict == sms.Verdict(True, "valid")


def test_w1_forwarded_headers_claiming_another_host_are_refused() -> None:
    signed = signature("https://clinic.example.org/twilio/sms", FIELDS)

    forwarded = check(
        FIELDS, {"x-twilio-signature": signed, "x-forwarded-host": "evil.example.com"}
    )
    standard = check(
        FIELDS,
        {
            "x-twilio-signature": signed,
            "forwarded": 'for=1.2.3.4;host="evil.example.com";proto=https',
        },
    )
    same = check(
        FIELDS, {"x-twilio-signature": signed, "x-forwarded-host": "clinic.example.org:443"}
    )

    assert forwarded.reason == standard.reason == "forwarded_host_mismatch"
    assert same.ok


def test_a_signature_for_the_internal_url_is_refused() -> None:
    signed = signature("http://10.0.0.5:8000/twilio/sms", FIELDS)

    assert check(FIELDS, {"x-twilio-signature": signed}).reason == "bad_signature"


def test_a_missing_or_wrong_signature_is_refused() -> None:
    assert check(FIELDS, {}).reason == "missing_signature"
    assert check(FIELDS, {"x-twilio-signature": "bm9wZQ=="}).reason == "bad_signature"


def test_without_a_token_nothing_is_accepted() -> None:
    signed = signature("https://clinic.example.org/twilio/sms", FIELDS)

    assert check(FIELDS, {"x-twilio-signature": signed}, token=None).reason == "no_auth_token"


def test_every_value_of_a_repeated_key_is_signed() -> None:
    fields = [*FIELDS, ("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a.example/2")]
    signed = signature("https://clinic.example.org/twilio/sms", fields)
    first_only = signature("https://clinic.example.org/twilio/sms", fields[:-1])

    assert check(fields, {"x-twilio-signature": signed}).ok
    assert check(fields, {"x-twilio-signature": first_only}).reason == "bad_signature"


def test_the_raw_query_string_is_part_of_the_signed_url() -> None:
    signed = signature("https://clinic.example.org/twilio/sms?site=visalia&x=1", FIELDS)

    assert check(FIELDS, {"x-twilio-signature": signed}, query="site=visalia&x=1").ok
    assert (
        check(FIELDS, {"x-twilio-signature": signed}, query="site=tulare&x=1").reason
        == "bad_signature"
    )


def test_a_public_url_with_a_path_prefix_is_kept() -> None:
    signed = signature("https://clinic.example.org/desk/twilio/sms", FIELDS)

    assert check(
        FIELDS, {"x-twilio-signature": signed}, public="https://clinic.example.org/desk/"
    ).ok


def test_an_altered_body_is_refused() -> None:
    signed = signature("https://clinic.example.org/twilio/sms", FIELDS)
    altered = [("From", "+15595550100"), *FIELDS[1:]]

    assert check(altered, {"x-twilio-signature": signed}).reason == "bad_signature"
