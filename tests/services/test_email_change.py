"""Email change by a single-use link to the new address, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db import queries
from db.models import utcnow
from services.email_change import EmailChangeError, confirm_email_change, request_email_change


def test_change_by_link_once(factory):
    sent = {}
    with factory.begin() as session:
        user = queries.create_user(session=session, email="old@example.com")
        queries.create_user(session=session, email="taken@example.com")
        with pytest.raises(EmailChangeError, match="another account"):
            request_email_change(session=session, user=user, new_email="Taken@example.com", send_link=sent.__setitem__)
        request_email_change(session=session, user=user, new_email="New@Example.com", send_link=sent.__setitem__)
    token = sent["new@example.com"]
    with factory.begin() as session:
        assert confirm_email_change(session=session, token=token).email == "new@example.com"
    with factory.begin() as session, pytest.raises(EmailChangeError, match="not valid"):
        confirm_email_change(session=session, token=token)
    with factory() as session:
        assert queries.get_user_by_email(session=session, email="old@example.com") is None


def test_expired_link_is_refused(factory):
    sent = {}
    with factory.begin() as session:
        user = queries.create_user(session=session, email="late@example.com")
        request_email_change(
            session=session,
            user=user,
            new_email="later@example.com",
            send_link=sent.__setitem__,
            now=utcnow() - timedelta(hours=25),
        )
    with factory.begin() as session, pytest.raises(EmailChangeError, match="expired"):
        confirm_email_change(session=session, token=sent["later@example.com"])
