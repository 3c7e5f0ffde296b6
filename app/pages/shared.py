"""Shared results: what a share link (``?share=<token>``) opens, read-only, with or without an account.

The token is checked on every run (a revoked or expired link stops working at once); nothing of the
owner's account is shown (no email, no other analyses, no buttons that change anything). The figures
are ``app.charts``'s, as on the owner's results page.
"""

import math
import uuid

import streamlit as st

from app import charts, sharing, studio
from app.session import artifact, services

svc = services()
st.title("Shared results")
token = st.query_params.get(sharing.SHARE_PARAM) or st.session_state.get(sharing.SHARE_TOKEN)
shared = sharing.resolve(svc, token)
if shared is None:
    st.error("This share link does not work: it was revoked, it expired, or it was never made. Ask for a new one.")
    st.stop()


@st.cache_data(show_spinner=False, max_entries=16)
def _results(run_id: str, owner_id: str, analysis_id: str) -> studio.Results:
    """Results by run id (a rerun has a new id); only reached after the token was checked on this run."""
    view = sharing.SharedAnalysis(uuid.UUID(analysis_id), uuid.UUID(owner_id), uuid.UUID(run_id))
    return sharing.load_shared_results(svc, view)


def _score(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.0f}"


if shared.run_id is None:
    st.info("This analysis has no results yet: open the link again later.")
    st.stop()
try:
    res = _results(str(shared.run_id), str(shared.owner_id), str(shared.analysis_id))
except (studio.NotFoundError, studio.NoResultsError):
    st.error("This share link does not work any more. Ask for a new one.")
    st.stop()

run_key = str(res.run_id)
segments = res.turns["segments"]
measurable = [s for s in segments if s["measurable"]]
st.subheader(res.filename)
st.caption("A read-only view shared with you by the skier.")

run_col, left_col, right_col, turns_col = st.columns(4)
run_col.metric("Edge similarity (run)", _score(res.similarity.get("edge_similarity_run")))
left_col.metric("Left turns", _score(res.similarity.get("edge_similarity_left")))
right_col.metric("Right turns", _score(res.similarity.get("edge_similarity_right")))
turns_col.metric("Turns", f"{len(segments)}", help=f"{len(measurable)} measurable")
for warning in res.warnings:
    st.warning(warning)

video, findings = st.columns([3, 2])
with video:
    if "overlay_video" in res.downloads:
        st.video(artifact(run_key, res.downloads["overlay_video"][0]), format=studio.MEDIA_MIME)
    else:
        st.info("No overlay video for this run.")
with findings:
    st.markdown("#### Coaching findings")
    if not res.feedback:
        st.caption("No findings for this run.")
    for finding in res.feedback:
        turns = ", ".join(str(t + 1) for t in finding.get("turns") or [])
        st.markdown(f"- {finding.get('message', '')}" + (f" *(turns {turns})*" if turns else ""))

st.plotly_chart(charts.turn_timeline(res.turns), key="shared_turn_timeline")
st.plotly_chart(charts.edge_similarity_bars(res.similarity, segments), key="shared_edge_similarity_chart")
st.plotly_chart(
    charts.edge_angle_curves(res.time_s, res.edge_left_deg, res.edge_right_deg, res.turns),
    key="shared_edge_angle_chart",
)

st.markdown("#### Turns")
by_index = {t["segment_index"]: t for t in res.similarity["turns"]}
st.dataframe(
    [
        {
            "turn": seg["segment_index"] + 1,
            "direction": seg["direction"],
            "start (s)": round(seg["start_frame"] / res.fps, 2),
            "end (s)": round(seg["end_frame"] / res.fps, 2),
            "edge similarity": _score(by_index.get(seg["segment_index"], {}).get("edge_similarity"))
            if seg["measurable"]
            else "not measurable",
        }
        for seg in segments
    ],
    hide_index=True,
    key="shared_turn_table",
)
