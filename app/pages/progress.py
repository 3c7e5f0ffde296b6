"""Progress of the current analysis: polled every 2 s until it succeeds or fails."""

import uuid
from datetime import UTC, datetime

import streamlit as st

from app import eta, studio
from app.session import chosen_or_latest_analysis, open_analysis, require_user, services
from services.analyses import AnalysisStatus

svc = services()
user = require_user()
st.title("Progress")
shown = chosen_or_latest_analysis(user, with_results=False)
if shown is None:
    st.info("No analysis yet: start a new one, and its progress shows here.")
    st.page_link("app/pages/new_analysis.py", label="New analysis", icon=":material/video_call:")
    st.stop()
analysis_id, latest_name = shown
if latest_name is not None:
    st.caption(f"Your latest analysis, {latest_name}. The others are in My analyses.")


def _elapsed_s(run: dict) -> float | None:
    started = run.get("started_at")
    if started is None:
        return None
    return ((run.get("finished_at") or datetime.now(UTC)) - started).total_seconds()


def _elapsed(run: dict) -> str:
    elapsed = _elapsed_s(run)
    return "waiting for a worker" if elapsed is None else f"{elapsed:.0f} s"


@st.fragment(run_every=2)
def show_progress(analysis_id: uuid.UUID) -> None:
    try:
        found = studio.detail(svc, user, analysis_id)
    except studio.NotFoundError:
        st.error("This analysis does not exist (or is not yours).")
        return
    status = found["status"]
    run = found["latest_run"] or {}
    progress = found["progress"] or {}
    st.subheader(found["filename"] or "Your clip")
    st.markdown(f"Status: **{status}** · run {run.get('run_number', '–')} · elapsed {_elapsed(run)}")
    if status == AnalysisStatus.QUEUED:
        st.progress(0, text="Queued: waiting for a worker")
    elif status == AnalysisStatus.RUNNING:
        percent = float(progress.get("percent", 0.0))
        stage = progress.get("message") or progress.get("stage") or "starting"
        st.progress(min(max(percent / 100.0, 0.0), 1.0), text=f"{stage} · {percent:.0f} %")
        st.caption(eta.describe_time_left(eta.time_left_s(_elapsed_s(run) or 0.0, percent)))
    elif status == AnalysisStatus.FAILED:
        st.error(f"The analysis failed: {run.get('error') or 'no reason was recorded'}")
        if st.button("Try again", key="try_again"):
            try:
                studio.rerun(svc, user, analysis_id)
            except studio.RerunError as exc:  # someone else (an admin, another tab) queued it meanwhile
                st.warning(str(exc))
            else:
                st.rerun()
    elif status == AnalysisStatus.SUCCEEDED:
        st.success("Your results are ready.")
        if st.button("See the results", type="primary", key="open_results"):
            open_analysis(analysis_id, "app/pages/results.py")
    else:
        st.info(f"This analysis is {status.replace('_', ' ')}.")


show_progress(analysis_id)
