"""Share links through the studio: the read-only page for a visitor, and making/revoking links in My analyses."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from app import sharing, studio
from db import queries
from db.models import utcnow
from services import shares
from services.composition import Services
from tests.app.conftest import new_app, signed_in_app
from tests.app.stored_results import add_run, get_user, store_analysis, user_id
from tests.app.test_studio import texts

INVALID = "This share link does not work"


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["share"][0]


def _visit(token: str, at: AppTest | None = None) -> AppTest:
    at = at or new_app()
    at.query_params["share"] = token
    return at.run()


def test_a_signed_out_visitor_with_a_link_sees_the_results_read_only(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "slalom.mp4", (60.0, None, 80.0))
    url = sharing.create_link(svc, get_user(svc, stored.user_id), stored.analysis_id)
    assert url.startswith(f"{svc.settings.public_url}/?share=")
    at = _visit(_token(url))
    assert not at.exception
    assert at.title[0].value == "Shared results"
    assert "slalom.mp4" in texts(at)
    assert "owner@example.com" not in texts(at)  # nothing of the owner's account
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Turns"] == "3"
    assert metrics["Edge similarity (run)"] == "80"
    charts = {e.proto.id.rsplit("-", 1)[-1] for e in at.get("plotly_chart")}  # the results page's own view
    assert {"turn_timeline", "edge_similarity_chart", "edge_angle_chart", "body_metrics_chart"} <= charts
    table = at.dataframe[0].value
    assert list(table["edge similarity"]) == ["60", "not measurable", "80"]
    assert len(at.button) == 0  # read-only: nothing to click that changes anything
    assert "Signed in as" not in texts(at)


def test_a_revoked_link_shows_a_message_and_nothing_else(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "slalom.mp4")
    owner = get_user(svc, stored.user_id)
    url = sharing.create_link(svc, owner, stored.analysis_id)
    at = _visit(_token(url))
    assert len(at.get("plotly_chart")) >= 4
    (link,) = sharing.live_links(svc, owner, stored.analysis_id)
    sharing.revoke_link(svc, owner, link.id)
    at.run()  # the same visitor, next page run: the token is checked again
    assert not at.exception
    assert INVALID in at.error[0].value
    assert len(at.get("plotly_chart")) == 0 and len(at.metric) == 0
    assert "slalom.mp4" not in texts(at)


def test_an_unknown_or_expired_link_shows_a_message_and_nothing_else(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "slalom.mp4")
    with svc.factory.begin() as session:
        expired = shares.create_share(
            session=session,
            user=get_user(svc, stored.user_id),
            analysis_id=stored.analysis_id,
            expires_in=timedelta(hours=1),
            now=utcnow() - timedelta(hours=2),
        ).token
    for token in ("made-up-token", expired):
        at = _visit(token)
        assert not at.exception
        assert at.title[0].value == "Shared results"
        assert INVALID in at.error[0].value
        assert len(at.get("plotly_chart")) == 0 and "slalom.mp4" not in texts(at)


def test_a_signed_in_visitor_with_a_link_lands_on_the_shared_page(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "giant-slalom.mp4")
    url = sharing.create_link(svc, get_user(svc, stored.user_id), stored.analysis_id)
    at = _visit(_token(url), signed_in_app(svc, "coach@example.com"))
    assert not at.exception
    assert at.title[0].value == "Shared results"
    assert "giant-slalom.mp4" in texts(at)


def test_the_owner_makes_and_revokes_a_link_in_my_analyses(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "slalom.mp4")
    key = stored.analysis_id.hex
    at = signed_in_app(svc, "owner@example.com").switch_page("app/pages/my_analyses.py").run()
    at.button(key=f"share-{key}").click().run()
    assert "No live links" in texts(at)
    at.button(key=f"share-create-{key}").click().run()
    assert not at.exception
    assert "shown only once" in texts(at)
    (code,) = at.code
    token = _token(code.value)
    assert len(at.get("plotly_chart")) == 0
    assert _visit(token).title[0].value == "Shared results" and len(_visit(token).get("plotly_chart")) >= 4

    (link,) = sharing.live_links(svc, get_user(svc, stored.user_id), stored.analysis_id)
    at.button(key=f"revoke-{link.id.hex}").click().run()
    assert not at.exception
    assert "No live links" in texts(at)
    assert len(at.code) == 0  # the just-made URL is no longer shown
    assert INVALID in _visit(token).error[0].value


def test_a_stranger_cannot_revoke_or_list_anothers_links(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "slalom.mp4")
    owner = get_user(svc, stored.user_id)
    url = sharing.create_link(svc, owner, stored.analysis_id)
    (link,) = sharing.live_links(svc, owner, stored.analysis_id)
    at = signed_in_app(svc, "stranger@example.com").switch_page("app/pages/my_analyses.py").run()
    assert "No analyses yet" in texts(at)
    stranger = get_user(svc, user_id(svc, "stranger@example.com"))
    with pytest.raises(studio.NotFoundError):
        sharing.revoke_link(svc, stranger, link.id)
    with pytest.raises(studio.NotFoundError):
        sharing.live_links(svc, stranger, stored.analysis_id)
    assert len(_visit(_token(url)).get("plotly_chart")) >= 4  # still live


def test_a_link_to_an_analysis_without_results_says_so(svc: Services):
    owner = user_id(svc, "owner@example.com")
    with svc.factory.begin() as session:
        analysis_id = queries.create_analysis(session=session, owner_id=owner, filename="crash.mp4").id
    add_run(svc, analysis_id, (), status="failed")
    url = sharing.create_link(svc, get_user(svc, owner), analysis_id)
    at = _visit(_token(url))
    assert not at.exception
    assert "no results yet" in texts(at)
    assert len(at.get("plotly_chart")) == 0


def test_a_link_made_to_expire_lists_its_expiry(svc: Services):
    stored = store_analysis(svc, "owner@example.com", "slalom.mp4")
    key = stored.analysis_id.hex
    at = signed_in_app(svc, "owner@example.com").switch_page("app/pages/my_analyses.py").run()
    at.button(key=f"share-{key}").click().run()
    at.selectbox(key=f"share-expiry-{key}").set_value("in 7 days")
    at.button(key=f"share-create-{key}").click().run()
    assert not at.exception
    (link,) = sharing.live_links(svc, get_user(svc, stored.user_id), stored.analysis_id)
    assert link.expires_at is not None
    assert timedelta(days=6, hours=23) < link.expires_at - link.created_at <= timedelta(days=7)
    assert f"expires {link.expires_at:%Y-%m-%d %H:%M} UTC" in texts(at)


@pytest.mark.parametrize(
    ("public_url", "request_host", "warned"),
    [
        ("http://localhost:8501", "poser.example.com", True),  # the forgotten setting
        ("http://127.0.0.1:8501", "10.0.0.5:8501", True),
        ("http://localhost:8501", "localhost:8501", False),  # a laptop: the link opens where it was made
        ("http://localhost:8501", "127.0.0.1:8501", False),
        ("https://poser.example.com", "poser.example.com", False),
        ("https://poser.example.com", "10.0.0.5:8501", False),  # behind a proxy: the public name is right
        ("http://localhost:8501", None, False),  # no Host header (tests, scripts): nothing to compare
    ],
)
def test_a_localhost_link_on_a_served_studio_is_flagged(public_url, request_host, warned):
    problem = sharing.unreachable_link_warning(public_url, request_host)
    assert (problem is not None) == warned
    if warned:
        assert public_url in problem and "POSER_PUBLIC_URL" in problem
