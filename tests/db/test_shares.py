"""Share links in the database: found only by hash and only while live; cascade with the analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db import queries as q
from db.models import ShareLink, User
from tests.db.helpers import new_analysis

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _link(s: Session, analysis_id, token_hash: str, **kw) -> ShareLink:
    return q.create_share_link(
        session=s, analysis_id=analysis_id, token_hash=token_hash, created_by=None, created_at=NOW, **kw
    )


def test_a_live_link_is_found_by_hash_until_revoked(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        link = _link(s, analysis.id, "h1")
        analysis_id, link_id = analysis.id, link.id
    with factory() as s:
        found = q.live_share_link_by_hash(session=s, token_hash="h1", now=NOW)
        assert found is not None and found.analysis_id == analysis_id
        assert q.live_share_link_by_hash(session=s, token_hash="nope", now=NOW) is None
        assert [x.id for x in q.list_live_share_links(session=s, analysis_id=analysis_id, now=NOW)] == [link_id]
    with factory.begin() as s:
        revoked = q.revoke_share_link(session=s, link_id=link_id, now=NOW + timedelta(minutes=1))
        assert revoked is not None and revoked.revoked_at == NOW + timedelta(minutes=1)
    with factory.begin() as s:  # revoking again keeps the first time
        again = q.revoke_share_link(session=s, link_id=link_id, now=NOW + timedelta(hours=1))
        assert again is not None and again.revoked_at == NOW + timedelta(minutes=1)
        assert q.revoke_share_link(session=s, link_id=analysis_id, now=NOW) is None  # no such link
    with factory() as s:
        assert q.live_share_link_by_hash(session=s, token_hash="h1", now=NOW) is None
        assert q.list_live_share_links(session=s, analysis_id=analysis_id, now=NOW) == []


def test_an_expired_link_is_not_live(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        _link(s, analysis.id, "soon", expires_at=NOW + timedelta(hours=1))
        _link(s, analysis.id, "forever")
        analysis_id = analysis.id
    with factory() as s:
        assert q.live_share_link_by_hash(session=s, token_hash="soon", now=NOW + timedelta(minutes=59)) is not None
        later = NOW + timedelta(hours=1)
        assert q.live_share_link_by_hash(session=s, token_hash="soon", now=later) is None
        live = q.list_live_share_links(session=s, analysis_id=analysis_id, now=later)
        assert [x.token_hash for x in live] == ["forever"]


def test_token_hashes_are_unique_and_expiry_follows_creation(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis_id = new_analysis(s).id
        _link(s, analysis_id, "same")
    with pytest.raises(IntegrityError), factory.begin() as s:
        _link(s, analysis_id, "same")
    with pytest.raises(IntegrityError), factory.begin() as s:
        _link(s, analysis_id, "backwards", expires_at=NOW - timedelta(seconds=1))


def test_links_go_with_their_analysis_and_outlive_their_maker(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        maker = q.create_user(session=s, email="coach-admin@example.com", is_admin=True)
        q.create_share_link(session=s, analysis_id=analysis.id, token_hash="m", created_by=maker.id, created_at=NOW)
        analysis_id, maker_id = analysis.id, maker.id
    with factory.begin() as s:
        s.delete(s.get(User, maker_id))
    with factory() as s:
        link = q.live_share_link_by_hash(session=s, token_hash="m", now=NOW)
        assert link is not None and link.created_by is None
    with factory.begin() as s:
        assert q.delete_analysis(session=s, analysis_id=analysis_id) is not None
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ShareLink)) == 0
