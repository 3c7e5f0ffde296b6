"""My analyses: status, date, clip and score; open one, or delete it after confirming."""

import streamlit as st

from app import studio
from app.session import ANALYSIS, open_analysis, require_user, services

svc = services()
user = require_user()
st.title("My analyses")

rows = studio.my_analyses(svc, user)
if not rows:
    st.info("No analyses yet.")
    st.page_link("app/pages/new_analysis.py", label="Start a new analysis", icon="🎬")
    st.stop()

header = st.columns([3, 2, 2, 1, 1, 1])
for col, label in zip(header, ["Clip", "Date (UTC)", "Status", "Score", "", ""], strict=True):
    col.markdown(f"**{label}**")
for row in rows:
    key = row.id.hex
    clip, date, status, score, open_col, delete_col = st.columns([3, 2, 2, 1, 1, 1])
    clip.write(row.filename or "—")
    date.write(row.created_at.strftime("%Y-%m-%d %H:%M"))
    status.write(row.status.replace("_", " "))
    score.write("—" if row.score is None else f"{row.score:.0f}")
    if open_col.button("Open", key=f"open-{key}"):
        open_analysis(row.id, "app/pages/results.py" if row.status == "succeeded" else "app/pages/progress.py")
    if delete_col.button("Delete", key=f"delete-{key}"):
        st.session_state["confirm_delete"] = key
    if st.session_state.get("confirm_delete") == key:
        st.warning(f"Delete **{row.filename}** with its results and files? This cannot be undone.")
        yes, no = st.columns(2)
        if yes.button("Yes, delete", key=f"confirm-delete-{key}", type="primary"):
            studio.delete(svc, user, row.id)
            st.session_state.pop("confirm_delete", None)
            if st.session_state.get(ANALYSIS) == str(row.id):
                st.session_state.pop(ANALYSIS, None)
            st.rerun()
        if no.button("Keep it", key=f"cancel-delete-{key}"):
            st.session_state.pop("confirm_delete", None)
            st.rerun()
