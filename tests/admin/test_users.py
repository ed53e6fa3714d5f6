"""Dashboard users and sessions as services: argon2 hashes, every problem at once, tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from tests.admin.world import PASSWORD, email

from referraldesk.auth import sessions, users
from referraldesk.db.session import session_scope
from referraldesk.errors import Duplicate, InvalidArgument, Unauthenticated
from referraldesk.models import User


def test_a_new_user_gets_an_argon2_hash_not_the_password(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = users.create_user(session, email=" Ana@Clinic.org ", role="staff",
                                 password="a long enough secret")

        assert user.email == "ana@clinic.org"
        assert user.password_hash.startswith("$argon2id$")
        assert "a long enough secret" not in user.password_hash


def test_it_names_every_problem_of_a_new_user_at_once(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(InvalidArgument) as raised:
        users.create_user(session, email="not-an-address", role="janitor", password="x")

    assert "is not an address" in raised.value.message
    assert "role 'janitor' is not one of admin, staff, coordinator, auditor" in raised.value.message


def test_a_short_password_is_refused_with_the_rule(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(InvalidArgument, match="at least 12"):
        users.create_user(session, email="ana@clinic.org", role="staff", password="short")


def test_the_same_email_twice_is_a_duplicate_whatever_its_case(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(Duplicate, match="already exists"):
        users.create_user(session, email=email("admin").upper(), role="admin", password=PASSWORD)


def test_authenticating_records_the_sign_in_time(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = users.authenticate_user(session, email("staff"), PASSWORD)

        assert user.last_login_at is not None


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(Unauthenticated) as wrong:
            users.authenticate_user(session, email("staff"), "wrong password here")
        with pytest.raises(Unauthenticated) as unknown:
            users.authenticate_user(session, "who@clinic.org", PASSWORD)

    assert wrong.value.message == unknown.value.message


def test_deactivating_ends_the_users_open_sessions(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.email == email("staff")))
        assert user is not None
        secret = sessions.start_session(session, user, source_address=None)
        users.deactivate_user(session, email("staff"))

        ended = sessions.end_sessions_of(session, user.id)

        assert ended == 1
        with pytest.raises(sessions.SessionEnded):
            sessions.resume_session(session, secret)


def test_the_sign_in_forms_token_belongs_to_its_cookie() -> None:
    nonce = sessions.new_login_nonce()
    token = sessions.login_form_token(nonce)

    assert sessions.login_token_matches(nonce, token)
    assert not sessions.login_token_matches(sessions.new_login_nonce(), token)
    assert not sessions.login_token_matches(nonce, token + "x")
    assert not sessions.login_token_matches(None, token)
