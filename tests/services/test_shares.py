"""Share links as a use case: the raw token once, stored hashed; owner-only; revoked/expired/unknown → None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db import queries as q
from db.models import ShareLink, User
from services import shares
from services.analyses import NotFoundError
from services.checks import hash_token

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(factory):
    """An owner with one analysis, a stranger and an admin (ids)."""
    with factory.begin() as s:
        owner = q.create_user(session=s, email="owner@example.com")
        stranger = q.create_user(session=s, email="stranger@example.com")
        admin = q.create_user(session=s, email="admin@example.com", is_admin=True)
        analysis = q.create_analysis(session=s, owner_id=owner.id, filename="run.mp4")
        return {"owner": owner.id, "stranger": stranger.id, "admin": admin.id, "analysis": analysis.id}


def _user(s, people, who) -> User:
    return s.get(User, people[who])


def test_create_returns_the_token_once_and_stores_only_its_hash(factory, people):
    with factory.begin() as s:
        new = shares.create_share(session=s, user=_user(s, people, "owner"), analysis_id=people["analysis"], now=NOW)
        token = new.token
    assert len(token) >= 40
    with factory() as s:
        (stored,) = s.scalars(select(ShareLink)).all()
        assert stored.token_hash == hash_token(token) != token
        assert stored.created_by == people["owner"] and stored.expires_at is None
        assert shares.resolve_share(session=s, token=token, now=NOW) == people["analysis"]
        assert shares.shared_viewer(session=s, analysis_id=people["analysis"]).id == people["owner"]
    assert shares.share_url("https://studio.example.com/", token) == f"https://studio.example.com/?share={token}"


def test_two_links_have_different_tokens_and_revoking_one_keeps_the_other(factory, people):
    with factory.begin() as s:
        owner = _user(s, people, "owner")
        first = shares.create_share(session=s, user=owner, analysis_id=people["analysis"], now=NOW)
        second = shares.create_share(session=s, user=owner, analysis_id=people["analysis"], now=NOW)
        first_id, tokens = first.link.id, (first.token, second.token)
    assert tokens[0] != tokens[1]
    with factory.begin() as s:
        shares.revoke_share(session=s, user=_user(s, people, "owner"), link_id=first_id, now=NOW)
    with factory() as s:
        assert shares.resolve_share(session=s, token=tokens[0], now=NOW) is None
        assert shares.resolve_share(session=s, token=tokens[1], now=NOW) == people["analysis"]
        live = shares.list_shares(session=s, user=_user(s, people, "owner"), analysis_id=people["analysis"], now=NOW)
        assert [link.token_hash for link in live] == [hash_token(tokens[1])]


def test_expired_unknown_and_empty_tokens_resolve_to_none(factory, people):
    with factory.begin() as s:
        new = shares.create_share(
            session=s,
            user=_user(s, people, "owner"),
            analysis_id=people["analysis"],
            expires_in=timedelta(days=7),
            now=NOW,
        )
    with factory() as s:
        assert shares.resolve_share(session=s, token=new.token, now=NOW + timedelta(days=6)) == people["analysis"]
        assert shares.resolve_share(session=s, token=new.token, now=NOW + timedelta(days=7)) is None
        for bad in (None, "", "not-a-token", "x" * 5000, new.token + "x"):
            assert shares.resolve_share(session=s, token=bad, now=NOW) is None
    with factory.begin() as s, pytest.raises(ValueError, match="future"):
        shares.create_share(
            session=s, user=_user(s, people, "owner"), analysis_id=people["analysis"], expires_in=timedelta(0)
        )


def test_only_the_owner_or_an_admin_makes_lists_and_revokes_links(factory, people):
    with factory.begin() as s:
        new = shares.create_share(session=s, user=_user(s, people, "owner"), analysis_id=people["analysis"], now=NOW)
        link_id, token = new.link.id, new.token
    with factory.begin() as s:
        stranger = _user(s, people, "stranger")
        with pytest.raises(NotFoundError):
            shares.create_share(session=s, user=stranger, analysis_id=people["analysis"])
        with pytest.raises(NotFoundError):
            shares.list_shares(session=s, user=stranger, analysis_id=people["analysis"])
        with pytest.raises(NotFoundError):
            shares.revoke_share(session=s, user=stranger, link_id=link_id)
        with pytest.raises(NotFoundError):
            shares.revoke_share(session=s, user=stranger, link_id=people["analysis"])  # not a link id
    with factory() as s:
        assert shares.resolve_share(session=s, token=token, now=NOW) == people["analysis"]  # still live
    with factory.begin() as s:
        shares.revoke_share(session=s, user=_user(s, people, "admin"), link_id=link_id, now=NOW)
    with factory() as s:
        assert shares.resolve_share(session=s, token=token, now=NOW) is None


def test_an_analysis_without_an_owner_cannot_be_shared(factory, people):
    with factory.begin() as s:
        orphan = q.create_analysis(session=s, owner_id=None, filename="embed.mp4")
        with pytest.raises(NotFoundError):
            shares.create_share(session=s, user=_user(s, people, "admin"), analysis_id=orphan.id)
        assert shares.shared_viewer(session=s, analysis_id=orphan.id) is None
