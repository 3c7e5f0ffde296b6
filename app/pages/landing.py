"""Landing page (signed out)."""

import streamlit as st

st.title("Poser — skiing technique from a phone clip")
st.markdown(
    """
Film a run, draw one box around the skier, and Poser tracks them, estimates their 3D pose on every
frame, splits the run into turns and scores **edge similarity** (how alike the two skis tip on edge)
with coaching findings, a pose-overlay video and CSVs.

1. Sign in with your email (we send a 6-digit code).
2. Upload a clip (up to 250 MB), choose up to 20 s of it and draw a box around the skier.
3. Watch the progress, then read the results.
"""
)
st.page_link("app/pages/sign_in.py", label="Sign in to start", icon="🔑")
