"""Changing a user's email: a single-use link sent to the *new* address proves it is theirs."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import queries
from db.models import EmailChangeToken, User, utcnow
from services.checks import hash_token, looks_like_email

TOKEN_TTL = timedelta(hours=24)


class EmailChangeError(ValueError):
    """The change was refused; the message says why."""


def request_email_change(
    *,
    session: Session,
    user: User,
    new_email: str,
    send_link: Callable[[str, str], None],
    now: datetime | None = None,
) -> None:
    """Create a change token and hand ``(new_email, token)`` to ``send_link`` (it builds the URL)."""
    address = queries.normalise_email(new_email)
    if not looks_like_email(address):
        raise EmailChangeError(f"{new_email!r} is not an email address")
    if address == user.email:
        raise EmailChangeError("that is already your email address")
    if queries.get_user_by_email(session=session, email=address) is not None:
        raise EmailChangeError("another account uses that address")
    token = secrets.token_urlsafe(32)
    session.add(
        EmailChangeToken(
            user_id=user.id, new_email=address, token_hash=hash_token(token), expires_at=(now or utcnow()) + TOKEN_TTL
        )
    )
    session.flush()
    send_link(address, token)


def confirm_email_change(*, session: Session, token: str, now: datetime | None = None) -> User:
    """Apply the change a link's token stands for (once, before it expires); returns the user."""
    now = now or utcnow()
    row = session.scalar(select(EmailChangeToken).where(EmailChangeToken.token_hash == hash_token(token)))
    if row is None or row.used_at is not None:
        raise EmailChangeError("this link is not valid (already used?)")
    if row.expires_at <= now:
        raise EmailChangeError("this link has expired: ask for a new one")
    if queries.get_user_by_email(session=session, email=row.new_email) is not None:
        raise EmailChangeError("another account uses that address now")
    user = session.get(User, row.user_id)
    row.used_at = now
    user.email = row.new_email
    session.flush()
    return user
