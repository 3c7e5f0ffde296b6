"""New analysis: upload a clip, choose the window and the frame, draw the box around the skier, submit."""

import logging

import streamlit as st

from app import drafts, studio
from app.prompt import draw_box
from app.session import DRAFT, artifact, open_analysis, require_user, services

svc = services()
user = require_user()
st.title("New analysis")
#: Marks a draft continued from an earlier upload (no file in the uploader this time).
RESUMED = "resumed"
#: The last box checked for a person: ((analysis id, time, box), found).
BOX_CHECK = "box_check"

uploaded = st.file_uploader("Your clip (MP4, MOV… up to 250 MB)", type=list(studio.VIDEO_EXTENSIONS), key="clip_upload")
draft: studio.ClipDraft | None = None
if uploaded is not None:
    stored = st.session_state.get(DRAFT)
    if stored and stored[0] == uploaded.file_id:
        draft = stored[1]
    else:
        with st.spinner("Checking your video…"):
            try:
                draft = studio.upload_clip(
                    svc, user, filename=uploaded.name, data=uploaded.getvalue(), content_type=uploaded.type
                )
            except studio.UploadError as exc:
                st.error(f"We can't use this file: {exc}", icon=":material/block:")
                st.session_state.pop(DRAFT, None)
            else:
                st.session_state[DRAFT] = (uploaded.file_id, draft)
elif (stored := st.session_state.get(DRAFT)) and stored[0] == RESUMED:
    draft = stored[1]


def _waiting_clips() -> None:
    """Clips uploaded earlier but never given a box: continue with one, or discard it."""
    waiting = drafts.waiting_drafts(svc, user)
    if not waiting:
        return
    st.subheader("Or continue with a clip you uploaded")
    for waiting_draft, uploaded_at in waiting:
        name_col, go_col, drop_col = st.columns([4, 1, 1])
        name_col.write(f"**{waiting_draft.filename}** · {waiting_draft.duration_s:.1f} s · uploaded {uploaded_at}")
        if go_col.button("Continue", key=f"resume-{waiting_draft.analysis_id}"):
            st.session_state[DRAFT] = (RESUMED, waiting_draft)
            st.rerun()
        if drop_col.button("Discard", key=f"discard-{waiting_draft.analysis_id}"):
            drafts.discard_draft(svc, user, waiting_draft.analysis_id)
            st.rerun()


if draft is None:
    if uploaded is None:
        st.caption(f"At most {svc.settings.max_window_s:g} s of the clip is analysed: you choose which part next.")
        _waiting_clips()
    st.stop()

st.caption(f"{draft.filename}: {draft.duration_s:.1f} s, {draft.fps:.0f} fps, {draft.width}×{draft.height} px")
if st.session_state.get(DRAFT, (None,))[0] == RESUMED and st.button("Choose another clip", key="drop_resumed"):
    st.session_state.pop(DRAFT, None)
    st.rerun()
max_window = float(svc.settings.max_window_s)
step = 1.0 / draft.fps if draft.fps > 0 else 0.04
end_default = min(draft.duration_s, max_window)
trim = st.slider(
    f"Part to analyse (s, at most {max_window:g} s)",
    min_value=0.0,
    max_value=float(draft.duration_s),
    value=(0.0, float(end_default)),
    step=step,
    key="trim",
)
too_long = trim[1] - trim[0] > max_window + 1e-6
with st.expander("Watch the chosen part", expanded=False):
    clip = uploaded.getvalue() if uploaded is not None else artifact(str(draft.analysis_id), draft.storage_key)
    if draft.filename.lower().endswith(".gif"):  # browsers do not play GIFs in <video>; an <img> animates
        st.image(clip)
    else:
        st.video(clip, format=studio.MEDIA_MIME, start_time=trim[0], end_time=trim[1], loop=True)
if too_long:
    st.error(f"The chosen part is {trim[1] - trim[0]:.1f} s: shorten it to at most {max_window:g} s.")
at_s = st.slider(
    "Frame to draw the box on (s)",
    min_value=float(trim[0]),
    max_value=float(max(trim[0], trim[1] - step)),
    value=float(trim[0]),
    step=step,
    key="prompt_time",
)
st.markdown("Draw **one box around the skier — body and skis** — on this frame.")
st.caption(
    "Drag on the frame to draw. Drawing again replaces the box: the last one counts. "
    "The buttons above the frame's right corner undo, redo and (the bin) clear it."
)
frame = studio.frame_at(svc, draft, at_s)
box = draw_box(frame, key=f"canvas-{draft.analysis_id}-{at_s:.3f}")
if box is not None:
    st.caption("Box (frame px): " + ", ".join(f"{v:.0f}" for v in box))
    checked = (draft.analysis_id, round(at_s, 3), tuple(round(v, 1) for v in box))
    if st.session_state.get(BOX_CHECK, (None, None))[0] != checked:  # once per box, not on every rerun
        with st.spinner("Looking for the skier in your box…"):
            try:
                found = studio.box_holds_a_person(svc, draft, at_s, box)
            except Exception:  # advice only: a failed check must not stand between the person and Analyse
                logging.getLogger(__name__).exception("box check failed")
                found = True
            st.session_state[BOX_CHECK] = (checked, found)
    if not st.session_state[BOX_CHECK][1]:
        st.warning(
            "No person found in this box. Draw it around the skier's whole body and skis, or try a frame "
            "where they are bigger or clearer. You can still analyse it: the tracker will keep looking.",
            icon=":material/person_search:",
        )

if st.button("Analyse", type="primary", key="submit", disabled=box is None or too_long):
    try:
        studio.submit(svc, user, draft, box=box, trim=trim, at_s=at_s)
    except studio.UploadError as exc:
        st.error(str(exc))
    else:
        st.session_state.pop(DRAFT, None)
        open_analysis(draft.analysis_id, "app/pages/progress.py")
