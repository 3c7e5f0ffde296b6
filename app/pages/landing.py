"""Landing page (signed out): what Poser does, an example result, how to start, and a contact form."""

import streamlit as st

from app import charts
from app.results_view_cache import contact_desk, sample_result
from services.contact import ContactError
from services.mail import MailError
from services.rate_limit import client_address

st.title("Poser — skiing technique from a phone clip")
st.markdown(
    """
Film a run, draw one box around the skier, and Poser tracks them, estimates their 3D pose on every
frame, splits the run into turns and scores **edge similarity** (0–100: how alike the two skis tip on
edge from the transition to the apex) with coaching findings, body metrics (angulation, inclination,
centre of mass, counter-rotation, shin parallelism), a pose-overlay video, a replay that follows the
skier, and CSVs.
"""
)

st.markdown("### Example (synthetic skier)")
st.caption(
    "Example (synthetic skier): a computer-generated skier seen from behind, whose inside ski tips "
    "120 ms late in left turns, run through the same metrics and charts as your results. Not a real run."
)
sample = sample_result()
scores = st.columns(3)
for col, (label, key) in zip(
    scores,
    (
        ("Edge similarity (run)", "edge_similarity_run"),
        ("Left turns", "edge_similarity_left"),
        ("Right turns", "edge_similarity_right"),
    ),
    strict=True,
):
    value = sample.similarity.get(key)
    col.metric(f"{label} · example", "—" if value is None else f"{value:.0f}")
for chart_key, fig in (
    ("sample_turn_timeline", charts.turn_timeline(sample.turns)),
    ("sample_edge_similarity_chart", charts.edge_similarity_bars(sample.similarity, sample.turns["segments"])),
):
    fig.update_layout(title_text=f"Example (synthetic skier) · {fig.layout.title.text}")
    st.plotly_chart(fig, key=chart_key)

st.markdown(
    """
### How to start
1. Sign in with your email (we send a 6-digit code).
2. Upload a clip (up to 250 MB), choose up to 20 s of it and draw a box around the skier.
3. Watch the progress, then read the results.
"""
)
st.page_link("app/pages/sign_in.py", label="Sign in to start", icon=":material/login:")

st.markdown("### Contact us")
with st.form("contact", clear_on_submit=False):
    name = st.text_input("Your name", key="contact_name")
    email = st.text_input("Your email (we answer there)", key="contact_email")
    message = st.text_area("Message", key="contact_message")
    sent = st.form_submit_button("Send")
if sent:
    # the rate limit is per client address (AppTest mocks it: then all share one)
    ip = client_address(st.context.ip_address, st.context.headers.get("X-Real-IP"))
    try:
        contact_desk().submit(name=name, email=email, message=message, client=ip)
    except ContactError as exc:
        st.error(f"Not sent: {exc}.")
    except MailError as exc:
        st.error(f"Not sent: our mail server refused the message ({exc}). Please try again later.")
    else:
        st.success("Thanks: your message was sent. We will answer by email.")
