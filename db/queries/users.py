"""Users."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User


def normalise_email(email: str) -> str:
    """Stripped, lower-case email: the stored form, so uniqueness is case-insensitive."""
    return email.strip().lower()


def create_user(*, session: Session, email: str, is_admin: bool = False) -> User:
    """Insert a user with the normalised email (raises ``IntegrityError`` if it exists)."""
    user = User(email=normalise_email(email), is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(*, session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def user_emails(*, session: Session) -> dict[uuid.UUID, str]:
    """Every user's email, by user id."""
    return {uid: email for uid, email in session.execute(select(User.id, User.email))}
