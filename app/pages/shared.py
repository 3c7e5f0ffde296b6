"""Shared results: what a share link (``?share=<token>``) opens, read-only, with or without an account.

The token is checked on every run (a revoked or expired link stops working at once); nothing of the
owner's account is shown (no email, no other analyses, no buttons that change anything). It draws
:func:`app.results_view.render`, as the owner's results page does, without the downloads.
"""

import streamlit as st

from app import results_view, sharing, studio
from app.results_view_cache import shared_review
from app.session import services, shared_results

svc = services()
st.title("Shared results")
token = st.query_params.get(sharing.SHARE_PARAM) or st.session_state.get(sharing.SHARE_TOKEN)
shared = sharing.resolve(svc, token)
if shared is None:
    st.error("This share link does not work: it was revoked, it expired, or it was never made. Ask for a new one.")
    st.stop()


if shared.run_id is None:
    st.info("This analysis has no results yet: open the link again later.")
    st.stop()
try:
    res = shared_results(shared.analysis_id, shared.owner_id, shared.run_id)
    review = shared_review(shared.analysis_id, shared.owner_id, shared.run_id)
except (studio.NotFoundError, studio.NoResultsError):
    st.error("This share link does not work any more. Ask for a new one.")
    st.stop()

st.subheader(res.filename)
st.caption("A read-only view shared with you by the skier.")
results_view.render(res, review, downloads=False)
