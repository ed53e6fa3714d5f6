"""The dashboard's own fixtures (a built world, signed-in clients per role), reused here."""

from tests.admin.conftest import (  # noqa: F401 - fixtures are found by their names
    _built,
    _quick_password_hashes,
    engine,
    signed_in,
    world,
)
