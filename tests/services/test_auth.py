"""Sign-in by emailed code and sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import utcnow
from services.auth import AuthError, request_code, revoke_session, user_for_token, verify_code

SECRET = "test-secret"


class Inbox:
    """Collects delivered codes (the mail transport is tested in test_mail.py)."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def __call__(self, email: str, code: str) -> None:
        self.codes[email] = code


def ask(factory, email, inbox, ip="127.0.0.1", **kw):
    with factory.begin() as session:
        request_code(session=session, email=email, ip=ip, secret_key=SECRET, deliver=inbox, **kw)


def check(factory, email, code, **kw):
    with factory.begin() as session:
        result = verify_code(session=session, email=email, code=code, secret_key=SECRET, **kw)
        return result.error, (result.user.email if result.user else None), result.token


def test_code_signs_in_and_creates_the_account_once(factory):
    inbox = Inbox()
    ask(factory, "Skier@Example.com", inbox)
    code = inbox.codes["skier@example.com"]
    assert len(code) == 6 and code.isdigit()
    error, email, token = check(factory, "skier@example.com ", code)
    assert error is None and email == "skier@example.com"
    with factory() as session:
        assert user_for_token(session=session, token=token).email == email
    # the code is single-use
    error, _, _ = check(factory, "skier@example.com", code)
    assert error.reason == "invalid_code"
    # a second sign-in finds the same account
    ask(factory, "skier@example.com", inbox)
    _, _, token2 = check(factory, "skier@example.com", inbox.codes["skier@example.com"])
    with factory() as session:
        assert user_for_token(session=session, token=token2).id == user_for_token(session=session, token=token).id


def test_wrong_code_six_times_locks_the_code(factory):
    inbox = Inbox()
    ask(factory, "a@example.com", inbox)
    right = inbox.codes["a@example.com"]
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    reasons = [check(factory, "a@example.com", wrong)[0].reason for _ in range(6)]
    assert reasons == ["invalid_code"] * 4 + ["too_many_attempts"] * 2
    error, email, _ = check(factory, "a@example.com", right)  # even the right code is refused now
    assert error.reason == "too_many_attempts" and email is None


def test_expired_code_is_refused(factory):
    inbox = Inbox()
    ask(factory, "b@example.com", inbox, now=utcnow() - timedelta(minutes=11))
    error, email, _ = check(factory, "b@example.com", inbox.codes["b@example.com"])
    assert error.reason == "expired" and "expired" in str(error) and email is None


def test_requests_are_rate_limited_per_email_and_per_ip(factory):
    inbox = Inbox()
    for _ in range(5):
        ask(factory, "c@example.com", inbox, ip="10.0.0.1")
    with pytest.raises(AuthError) as caught:
        ask(factory, "c@example.com", inbox, ip="10.0.0.2")
    assert caught.value.reason == "rate_limited"
    for i in range(15):
        ask(factory, f"d{i}@example.com", inbox, ip="10.0.0.1")
    with pytest.raises(AuthError, match="this network"):
        ask(factory, "fresh@example.com", inbox, ip="10.0.0.1")


def test_unknown_and_known_emails_get_the_same_answer(factory):
    inbox = Inbox()
    ask(factory, "known@example.com", inbox)
    check(factory, "known@example.com", inbox.codes["known@example.com"])
    ask(factory, "known@example.com", inbox)  # no error, a code is sent
    ask(factory, "nobody@example.com", inbox)  # no error, a code is sent
    assert set(inbox.codes) == {"known@example.com", "nobody@example.com"}
    error, _, _ = check(factory, "never-asked@example.com", "123456")
    assert error.reason == "invalid_code"


def test_bad_email_and_revoked_session(factory):
    with pytest.raises(AuthError, match="not an email"):
        ask(factory, "not-an-email", Inbox())
    inbox = Inbox()
    ask(factory, "e@example.com", inbox)
    _, _, token = check(factory, "e@example.com", inbox.codes["e@example.com"])
    with factory.begin() as session:
        assert revoke_session(session=session, token=token)
    with factory() as session:
        assert user_for_token(session=session, token=token) is None
        assert user_for_token(session=session, token="made-up") is None
