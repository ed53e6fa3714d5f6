"""The demo practice per test, the clock frozen on a Wednesday (tests/frozen_demo.py)."""

from tests.frozen_demo import (  # noqa: F401 - fixtures, found by name
    _demo_template,
    client,
    engine,
    integration_secret,
    session,
)
