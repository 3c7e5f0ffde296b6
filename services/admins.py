"""Who administers the studio: the ``is_admin`` flag, granted and withdrawn from the command line.

The first admin cannot be made from the studio (only admins see the admin page), so ``poser user
admin EMAIL`` does it; the person then signs in with an emailed code as usual.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import queries
from db.models import User
from services.checks import looks_like_email


class AdminError(ValueError):
    """A refused change, with a reason for the person at the terminal."""


class AdminOnlyError(PermissionError):
    """The signed-in person is not an admin."""


def require_admin(user: User | None) -> User:
    """``user`` if it is an admin, else :class:`AdminOnlyError`."""
    if user is None or not user.is_admin:
        raise AdminOnlyError("this page is for admins")
    return user


def set_admin(*, session: Session, email: str, is_admin: bool) -> User:
    """Grant (creating the account if it does not exist yet) or withdraw admin rights; returns the user."""
    address = queries.normalise_email(email)
    if not looks_like_email(address):
        raise AdminError(f"{email!r} is not an email address")
    user = queries.get_user_by_email(session=session, email=address)
    if user is None:
        if not is_admin:
            raise AdminError(f"no user {address}")
        return queries.create_user(session=session, email=address, is_admin=True)
    user.is_admin = is_admin
    session.flush()
    return user


def list_admins(*, session: Session) -> list[User]:
    """Admins by email."""
    return list(session.scalars(select(User).where(User.is_admin.is_(True)).order_by(User.email)))
