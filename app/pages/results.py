"""Results of the current analysis: scores, video, the chosen turn, findings, charts over time and per turn."""

import streamlit as st

from app import results_view, studio
from app.results_view_cache import review as load_review
from app.session import chosen_or_latest_analysis, open_analysis, require_user, results, services

svc = services()
user = require_user()
st.title("Results")
shown = chosen_or_latest_analysis(user, with_results=True)
if shown is None:
    st.info("No results yet: they show here once an analysis has finished.")
    st.page_link("app/pages/my_analyses.py", label="My analyses", icon=":material/folder_open:")
    st.stop()
analysis_id, latest_name = shown
if latest_name is not None:
    st.caption("Your latest finished analysis. The others are in My analyses.")

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

st.subheader(res.filename)
results_view.render(res, review, downloads=True)
