"""Share links: read-only links to one analysis's results, looked up by the hash of their token.

A link is *live* while it is not revoked and not expired; the queries take ``now`` so callers and
tests agree on the clock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import ShareLink


def create_share_link(
    *,
    session: Session,
    analysis_id: uuid.UUID,
    token_hash: str,
    created_by: uuid.UUID | None,
    created_at: datetime,
    expires_at: datetime | None = None,
) -> ShareLink:
    """Insert a live link (the caller hashes the token; raises ``IntegrityError`` on a reused hash)."""
    link = ShareLink(
        analysis_id=analysis_id,
        token_hash=token_hash,
        created_by=created_by,
        created_at=created_at,
        expires_at=expires_at,
    )
    session.add(link)
    session.flush()
    return link


def get_share_link(*, session: Session, link_id: uuid.UUID) -> ShareLink | None:
    return session.get(ShareLink, link_id)


def live_share_link_by_hash(*, session: Session, token_hash: str, now: datetime) -> ShareLink | None:
    """The live link with this token hash, or None (unknown, revoked or expired)."""
    return session.scalar(
        select(ShareLink).where(
            ShareLink.token_hash == token_hash,
            ShareLink.revoked_at.is_(None),
            or_(ShareLink.expires_at.is_(None), ShareLink.expires_at > now),
        )
    )


def list_live_share_links(*, session: Session, analysis_id: uuid.UUID, now: datetime) -> list[ShareLink]:
    """The analysis's live links, newest first."""
    return list(
        session.scalars(
            select(ShareLink)
            .where(
                ShareLink.analysis_id == analysis_id,
                ShareLink.revoked_at.is_(None),
                or_(ShareLink.expires_at.is_(None), ShareLink.expires_at > now),
            )
            .order_by(ShareLink.created_at.desc(), ShareLink.id)
        )
    )


def revoke_share_link(*, session: Session, link_id: uuid.UUID, now: datetime) -> ShareLink | None:
    """Mark the link revoked (idempotent: the first revocation time is kept); None if there is none."""
    link = session.get(ShareLink, link_id)
    if link is None:
        return None
    if link.revoked_at is None:
        link.revoked_at = now
        session.flush()
    return link
