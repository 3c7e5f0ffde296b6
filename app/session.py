"""Streamlit glue: the per-process services, the signed-in user, the current analysis and cached results.

Pages import from here; the logic lives in :mod:`app.studio` (no Streamlit).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import streamlit as st

from app import studio
from services import auth
from services.composition import Services, build

if TYPE_CHECKING:
    from services.auth import User

TOKEN = "poser_token"
ANALYSIS = "analysis_id"
DRAFT = "draft"
#: Tests place the skier's box here ``(x1, y1, x2, y2)`` px of the frame: AppTest cannot drive the canvas.
TEST_BOX = "test_box"


@st.cache_resource(show_spinner=False)
def services() -> Services:
    """Settings, database (migrated), storage and mailer: built once per process."""
    return build()


def current_user() -> User | None:
    """The signed-in user (re-checked against the database on every run: a revoked token signs out)."""
    token = st.session_state.get(TOKEN)
    user = studio.user_for(services(), token)
    if user is None and token:
        del st.session_state[TOKEN]
    return user


def require_user() -> User:
    """The signed-in user; pages behind sign-in call this (navigation already hides them otherwise)."""
    user = current_user()
    if user is None:
        st.warning("Please sign in.")
        st.stop()
    return user


def sign_out() -> None:
    token = st.session_state.pop(TOKEN, None)
    if token:
        studio.sign_out(services(), token)
    for key in (ANALYSIS, DRAFT):
        st.session_state.pop(key, None)


def open_analysis(analysis_id: uuid.UUID, page: str) -> None:
    """Make ``analysis_id`` the current analysis and go to ``page`` (e.g. ``app/pages/results.py``)."""
    st.session_state[ANALYSIS] = str(analysis_id)
    st.switch_page(page)


def current_analysis_id() -> uuid.UUID | None:
    """The analysis chosen on another page, or from the ``?analysis=`` query parameter."""
    raw = st.session_state.get(ANALYSIS) or st.query_params.get("analysis")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def chosen_or_latest_analysis(user: User, *, with_results: bool) -> tuple[uuid.UUID, str | None] | None:
    """The chosen analysis ``(id, None)``; with none chosen the latest one (``studio.latest_analysis``),
    ``(id, filename)``, made the chosen one so the page stays on it while others finish; ``None`` if there is none.
    """
    chosen = current_analysis_id()
    if chosen is not None:
        return chosen, None
    latest = studio.latest_analysis(services(), user, with_results=with_results)
    if latest is not None:
        st.session_state[ANALYSIS] = str(latest[0])
    return latest


def user_by_id(user_id: str) -> User:
    """The user with this id (``NotFoundError`` once the account is gone): what the run caches read as."""
    with services().factory() as session:
        user = auth.user_by_id(session=session, user_id=uuid.UUID(user_id))
    if user is None:
        raise studio.NotFoundError(f"no user {user_id}")
    return user


@st.cache_data(show_spinner=False, max_entries=16)
def _results_for_run(run_id: str, user_id: str, analysis_id: str) -> studio.Results:
    return studio.load_results(services(), user_by_id(user_id), uuid.UUID(analysis_id), uuid.UUID(run_id))


def shared_results(analysis_id: uuid.UUID, owner_id: uuid.UUID, run_id: uuid.UUID) -> studio.Results:
    """A shared analysis's results, read as its owner (call only after the share token was checked)."""
    return _results_for_run(str(run_id), str(owner_id), str(analysis_id))


def results(user: User, analysis_id: uuid.UUID) -> studio.Results:
    """The results of the latest succeeded run, cached by run id (a rerun gets a fresh entry)."""
    run_id = studio.results_run_id(services(), user, analysis_id)  # checks ownership every time
    return _results_for_run(str(run_id), str(user.id), str(analysis_id))


@st.cache_data(show_spinner=False, max_entries=8)
def artifact(run_id: str, key: str) -> bytes:
    """Stored bytes of a run's artifact, cached by run id and key (artifacts never change)."""
    del run_id  # part of the cache key only
    return studio.artifact_bytes(services(), key)
