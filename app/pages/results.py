"""Results of the current analysis: scores, video, the chosen turn, findings, charts over time and per turn."""

import math

import streamlit as st

from app import results_view, studio
from app.results_view_cache import review as load_review
from app.session import artifact, current_analysis_id, open_analysis, require_user, results, services

svc = services()
user = require_user()
st.title("Results")
analysis_id = current_analysis_id()
if analysis_id is None:
    st.info("No analysis chosen: open one from My analyses.")
    st.page_link("app/pages/my_analyses.py", label="My analyses", icon=":material/folder_open:")
    st.stop()

try:
    res = results(user, analysis_id)
    review = load_review(user, analysis_id)
except studio.NotFoundError:
    st.error("This analysis does not exist (or is not yours).")
    st.stop()
except studio.NoResultsError:
    st.info("This analysis has no results yet.")
    if st.button("See its progress", key="to_progress"):
        open_analysis(analysis_id, "app/pages/progress.py")
    st.stop()

run_key = str(res.run_id)
segments = res.turns["segments"]
measurable = [s for s in segments if s["measurable"]]
st.subheader(res.filename)


def _score(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.0f}"


run_col, left_col, right_col, turns_col = st.columns(4)
run_col.metric("Edge similarity (run)", _score(res.similarity.get("edge_similarity_run")))
left_col.metric("Left turns", _score(res.similarity.get("edge_similarity_left")))
right_col.metric("Right turns", _score(res.similarity.get("edge_similarity_right")))
turns_col.metric("Turns", f"{len(segments)}", help=f"{len(measurable)} measurable")
for warning in res.warnings:
    st.warning(warning)

selected = results_view.chosen_turn(run_key, segments)
if segments:
    results_view.turn_picker(segments, review.reasons)
results_view.media(run_key, res, review, selected)
results_view.findings(res.feedback, segments)
results_view.time_charts(res, review, selected)
results_view.turn_axis_charts(run_key, res, review, selected)

st.markdown("#### Turns")
by_index = {t["segment_index"]: t for t in res.similarity["turns"]}
table = []
for seg in segments:
    score = by_index.get(seg["segment_index"], {}).get("edge_similarity")
    reasons = review.reasons.get(seg["segment_index"], [])
    table.append(
        {
            "turn": seg["segment_index"] + 1,
            "direction": seg["direction"],
            "start (s)": round(seg["start_frame"] / res.fps, 2),
            "end (s)": round(seg["end_frame"] / res.fps, 2),
            "edge similarity": _score(score) if seg["measurable"] else "not measurable",
            "why not measurable": "" if seg["measurable"] else "; ".join(reasons),
            "partial": "yes" if seg["is_partial"] else "",
        }
    )
st.dataframe(table, hide_index=True, key="turn_table")

st.markdown("#### Downloads")
cols = st.columns(len(studio.DOWNLOADS))
for col, (kind, label) in zip(cols, studio.DOWNLOADS.items(), strict=True):
    if kind in res.downloads:
        key, filename = res.downloads[kind]
        col.download_button(
            label,
            data=lambda key=key: artifact(run_key, key),
            file_name=filename,
            mime=studio.DOWNLOAD_MIME[kind],
            key=f"download-{kind}",
        )
