"""Compare two finished runs side by side: scores and their difference, per-turn edge similarity, turn counts."""

import streamlit as st

from app import compare, studio
from app.session import require_user, services

svc = services()
user = require_user()
st.title("Compare")
st.caption(
    "Two analyses (e.g. before and after coaching) or two runs of one analysis. B − A: positive means B scored higher."
)

options = compare.choices(svc, user)
if len(options) < 2:
    st.info("Comparing needs two finished runs: analyse another clip, or rerun one from My analyses.")
    st.page_link("app/pages/my_analyses.py", label="My analyses", icon=":material/folder_open:")
    st.stop()

by_run = {str(c.run_id): c for c in options}
ids = list(by_run)
pick_a, pick_b = st.columns(2)
# Defaults: the newest run as B ("after") and the one before it as A ("before").
a_id = pick_a.selectbox("A (before)", ids, index=1, format_func=lambda i: by_run[i].label, key="compare_a")
b_id = pick_b.selectbox("B (after)", ids, index=0, format_func=lambda i: by_run[i].label, key="compare_b")
if a_id == b_id:
    st.warning("Choose two different runs.")
    st.stop()
try:
    a = compare.load_side(svc, user, by_run[a_id])
    b = compare.load_side(svc, user, by_run[b_id])
except (studio.NotFoundError, studio.NoResultsError):  # deleted (or rerun away) since the list was read
    st.error("One of these runs can no longer be read: reload the page.")
    st.stop()
if a.choice.analysis_id == b.choice.analysis_id:
    st.caption(f"Two runs of **{a.choice.filename}**: run {a.choice.run_number} and run {b.choice.run_number}.")


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


_, head_a, head_b = st.columns([2, 1, 1])
head_a.markdown(f"**A** · {a.choice.label}")
head_b.markdown(f"**B** · {b.choice.label} (B − A)")
for row in compare.score_rows(a, b):
    label, col_a, col_b = st.columns([2, 1, 1])
    label.markdown(f"**{row.label}**")
    col_a.metric(f"A · {row.label}", _score(row.a), label_visibility="collapsed")
    delta = None if row.difference is None else f"{row.difference:+.0f}"
    col_b.metric(f"B · {row.label}", _score(row.b), delta=delta, label_visibility="collapsed")
label, col_a, col_b = st.columns([2, 1, 1])
label.markdown("**Turns** (measurable)")
col_a.metric("A · Turns", f"{a.turn_count} ({a.measurable_count})", label_visibility="collapsed")
col_b.metric(
    "B · Turns",
    f"{b.turn_count} ({b.measurable_count})",
    delta=f"{b.turn_count - a.turn_count:+d}",
    delta_color="off",
    label_visibility="collapsed",
)
st.plotly_chart(compare.per_turn_figure(a, b), key="compare_per_turn")
