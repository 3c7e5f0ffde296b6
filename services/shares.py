"""Share links: a read-only, revocable view of one analysis's results for someone without an account.

- :func:`create_share` makes a random token, stores only its hash (``services.checks.hash_token``) and
  returns the raw token once: it cannot be shown again, only revoked.
- :func:`resolve_share` turns a token into the analysis it shares, or ``None`` for an unknown, revoked
  or expired token (the three read the same: a visitor learns nothing about other links).
- :func:`shared_viewer` is the account the shared page reads results as: the analysis's owner, so the
  shared page goes through the same ownership-checked reads as the owner's results page (as the embed
  results token does in ``services.embed_results.feedback``).

Only the analysis's owner (or an admin) may create, list or revoke its links. Functions take the caller's
session and never commit.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db import queries
from db.models import Analysis, ShareLink, User, utcnow
from services.analyses import NotFoundError, owned_analysis
from services.checks import hash_token

#: Query parameter of the studio URL that carries a share token (``…/?share=<token>``).
SHARE_PARAM = "share"
#: Random bytes of a token (``secrets.token_urlsafe``): 256 bits, not guessable.
TOKEN_BYTES = 32


@dataclass(frozen=True)
class NewShare:
    """A link just made: ``token`` is shown to its maker once and stored nowhere."""

    link: ShareLink
    token: str


def share_url(public_url: str, token: str) -> str:
    """The studio URL a coach opens: ``<public_url>/?share=<token>``.

    Examples
    --------
    >>> share_url("http://localhost:8501/", "abc")
    'http://localhost:8501/?share=abc'
    """
    return f"{public_url.rstrip('/')}/?{SHARE_PARAM}={token}"


def create_share(
    *,
    session: Session,
    user: User,
    analysis_id: uuid.UUID,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> NewShare:
    """Make a live link to ``analysis_id`` (the user's, or any for an admin), optionally expiring.

    Raises
    ------
    NotFoundError
        Not the user's analysis, or it has no owner (embed analyses are reached by their own results link).
    ValueError
        ``expires_in`` is not positive.
    """
    analysis = owned_analysis(session=session, user=user, analysis_id=analysis_id)
    if analysis.owner_id is None:
        raise NotFoundError(f"no analysis {analysis_id}")
    if expires_in is not None and expires_in <= timedelta(0):
        raise ValueError("a share link must expire in the future")
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = queries.create_share_link(
        session=session,
        analysis_id=analysis.id,
        token_hash=hash_token(token),
        created_by=user.id,
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
    )
    return NewShare(link=link, token=token)


def list_shares(
    *, session: Session, user: User, analysis_id: uuid.UUID, now: datetime | None = None
) -> list[ShareLink]:
    """The live links of the user's analysis, newest first (``NotFoundError`` if not theirs)."""
    owned_analysis(session=session, user=user, analysis_id=analysis_id)
    return queries.list_live_share_links(session=session, analysis_id=analysis_id, now=now or utcnow())


def revoke_share(*, session: Session, user: User, link_id: uuid.UUID, now: datetime | None = None) -> ShareLink:
    """Revoke a link of the user's analysis (idempotent); its token stops working at once.

    Raises
    ------
    NotFoundError
        No such link, or its analysis is not the user's.
    """
    link = queries.get_share_link(session=session, link_id=link_id)
    if link is None:
        raise NotFoundError(f"no share link {link_id}")
    owned_analysis(session=session, user=user, analysis_id=link.analysis_id)
    revoked = queries.revoke_share_link(session=session, link_id=link_id, now=now or utcnow())
    assert revoked is not None
    return revoked


def resolve_share(*, session: Session, token: str | None, now: datetime | None = None) -> uuid.UUID | None:
    """The id of the analysis a live token shares, else ``None`` (empty, unknown, revoked or expired)."""
    if not token or len(token) > 200:  # real tokens are 43 characters; refuse to hash arbitrary input
        return None
    link = queries.live_share_link_by_hash(session=session, token_hash=hash_token(token), now=now or utcnow())
    return link.analysis_id if link is not None else None


def shared_viewer(*, session: Session, analysis_id: uuid.UUID) -> User | None:
    """The account a shared page reads ``analysis_id``'s results as: its owner (None if it has none)."""
    analysis = session.get(Analysis, analysis_id)
    if analysis is None or analysis.owner_id is None:
        return None
    return session.get(User, analysis.owner_id)
