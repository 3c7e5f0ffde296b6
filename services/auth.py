"""Sign-in by emailed code, and revocable sessions.

- A code is 6 digits, stored only as an HMAC (keyed with the server secret),
  valid for ``code_ttl``, with at most ``max_attempts`` wrong tries.
- Requests are limited per email and per IP per hour. The answer is the same
  whether or not an account exists (no user enumeration); an account is
  created on the first successful sign-in.
- A session token is random; only its hash is stored, so sessions can be
  listed and revoked, and a stolen database yields no usable token.

Functions take the caller's session and never commit. :func:`verify_code`
returns its outcome instead of raising, so the caller commits the counted
wrong attempt too (a rollback would give an attacker free guesses).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import queries
from db.models import User, UserSession, VerificationCode, utcnow
from services.checks import hash_token, looks_like_email


@dataclass(frozen=True)
class AuthPolicy:
    code_ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    codes_per_email_per_hour: int = 5
    codes_per_ip_per_hour: int = 20
    session_ttl: timedelta = timedelta(days=30)


class AuthError(ValueError):
    """A sign-in step refused; ``reason`` is a stable code, the message is for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify_code`: a user and session token, or an error."""

    user: User | None = None
    token: str | None = None
    error: AuthError | None = None


def _code_hash(secret_key: str, email: str, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{email}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(
    *,
    session: Session,
    email: str,
    ip: str | None,
    secret_key: str,
    deliver: Callable[[str, str], None],
    policy: AuthPolicy = AuthPolicy(),
    now: datetime | None = None,
) -> None:
    """Create a sign-in code for ``email`` and hand it to ``deliver(email, code)``.

    Raises
    ------
    AuthError
        ``invalid_email`` or ``rate_limited`` (the same for known and unknown emails).
    """
    now = now or utcnow()
    address = queries.normalise_email(email)
    if not looks_like_email(address):
        raise AuthError("invalid_email", f"{email!r} is not an email address")
    hour_ago = now - timedelta(hours=1)
    recent = select(func.count()).select_from(VerificationCode).where(VerificationCode.created_at > hour_ago)
    if session.scalar(recent.where(VerificationCode.email == address)) >= policy.codes_per_email_per_hour:
        raise AuthError("rate_limited", "Too many codes were requested for this email: try again in an hour.")
    if ip and session.scalar(recent.where(VerificationCode.requested_ip == ip)) >= policy.codes_per_ip_per_hour:
        raise AuthError("rate_limited", "Too many codes were requested from this network: try again in an hour.")
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        VerificationCode(
            email=address,
            code_hash=_code_hash(secret_key, address, code),
            expires_at=now + policy.code_ttl,
            requested_ip=ip,
            created_at=now,
        )
    )
    session.flush()
    deliver(address, code)


def verify_code(
    *,
    session: Session,
    email: str,
    code: str,
    secret_key: str,
    policy: AuthPolicy = AuthPolicy(),
    now: datetime | None = None,
) -> VerifyResult:
    """Check ``code`` against the latest code sent to ``email``; on success sign in (creating the user)."""
    now = now or utcnow()
    address = queries.normalise_email(email)
    latest = session.scalar(
        select(VerificationCode)
        .where(VerificationCode.email == address, VerificationCode.consumed_at.is_(None))
        .order_by(VerificationCode.created_at.desc())
        .limit(1)
    )
    given = _code_hash(secret_key, address, code.strip())
    if latest is None:
        hmac.compare_digest(given, given)  # same work as a real check: no timing hint that no code exists
        return VerifyResult(error=AuthError("invalid_code", "That code is not right. Request a new one."))
    if latest.expires_at <= now:
        return VerifyResult(error=AuthError("expired", "That code has expired. Request a new one."))
    if latest.attempts >= policy.max_attempts:
        return VerifyResult(error=AuthError("too_many_attempts", "Too many wrong tries. Request a new code."))
    if not hmac.compare_digest(given, latest.code_hash):
        latest.attempts += 1
        left = policy.max_attempts - latest.attempts
        tries = "1 try" if left == 1 else f"{left} tries"
        message = f"That code is not right: {tries} left." if left else "Too many wrong tries. Request a new code."
        return VerifyResult(error=AuthError("invalid_code" if left else "too_many_attempts", message))
    latest.consumed_at = now
    user = queries.get_user_by_email(session=session, email=address) or queries.create_user(
        session=session, email=address
    )
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=hash_token(token), expires_at=now + policy.session_ttl))
    session.flush()
    return VerifyResult(user=user, token=token)


def user_for_token(*, session: Session, token: str, now: datetime | None = None) -> User | None:
    """The signed-in user of a session token, or ``None`` (unknown, expired or revoked)."""
    now = now or utcnow()
    row = session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return session.get(User, row.user_id)


def user_by_id(*, session: Session, user_id: uuid.UUID) -> User | None:
    """The account with this id, or ``None`` once it is gone (what caches keyed by user id read as)."""
    return queries.get_user(session=session, user_id=user_id)


def revoke_session(*, session: Session, token: str, now: datetime | None = None) -> bool:
    """Sign a session out; returns whether it was active."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    return True
