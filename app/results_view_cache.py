"""Streamlit caches of the results page's turn review and the landing page (keyed by run id).

The data comes from :mod:`app.results_view_data` and :mod:`app.results_view_sample` (no Streamlit);
here it is cached: per run (a rerun has a new run id, so a new entry), per process for the example.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from app import results_view_data, results_view_sample, studio, turn_review
from app.session import services, user_by_id
from services.contact import ContactDesk

if TYPE_CHECKING:
    from services.auth import User


@st.cache_data(show_spinner=False, max_entries=16)
def _review_for_run(run_id: str, user_id: str, analysis_id: str) -> results_view_data.Review:
    return results_view_data.load_review(services(), user_by_id(user_id), uuid.UUID(analysis_id), uuid.UUID(run_id))


def review(user: User, analysis_id: uuid.UUID) -> results_view_data.Review:
    """Body series, measurability reasons and videos of the latest succeeded run, cached by run id."""
    run_id = studio.results_run_id(services(), user, analysis_id)  # checks ownership every time
    return _review_for_run(str(run_id), str(user.id), str(analysis_id))


def shared_review(analysis_id: uuid.UUID, owner_id: uuid.UUID, run_id: uuid.UUID) -> results_view_data.Review:
    """The turn review of a shared analysis, read as its owner (call only after the share token was checked)."""
    return _review_for_run(str(run_id), str(owner_id), str(analysis_id))


@st.cache_data(show_spinner=False, max_entries=64)
def turn_axis(
    run_id: str, metric: str, sign: str, _values: np.ndarray, _segments: list[dict[str, Any]]
) -> tuple[list[turn_review.TurnCurve], dict[str, turn_review.SideBand]]:
    """Measurable turns of ``metric`` on the 0–100 % turn axis and each side's band, once per run and metric.

    ``_values``/``_segments`` are not hashed: they are the run's, which ``run_id`` names.
    """
    del run_id, metric  # the cache key
    curves = turn_review.turn_curves(_values, _segments, sign=sign)
    return curves, turn_review.side_bands(curves)


@st.cache_data(show_spinner=False, max_entries=32)
def video_frame(run_id: str, key: str, t_s: float, fps: float) -> str:
    """One frame of a stored video as a JPEG data URL, decoded once per run, video and time."""
    del run_id  # part of the cache key only
    return results_view_data.jpeg_data_url(results_view_data.decode_frame(services().local_path(key), t_s, fps))


@st.cache_data(show_spinner=False)
def sample_result() -> results_view_sample.SampleResult:
    """The landing page's example: the synthetic skier through the metrics, computed once per process."""
    return results_view_sample.sample_result()


@st.cache_resource(show_spinner=False)
def contact_desk() -> ContactDesk:
    """The contact form's desk (one per process: its per-address rate limit lives in it)."""
    svc = services()
    return ContactDesk(svc.mailer.send, team_address=svc.settings.mail_from)
