"""My analyses: status, date, clip and score; open, rerun, share (read-only links) or delete after confirming."""

import uuid

import streamlit as st

from app import sharing, studio
from app.session import ANALYSIS, open_analysis, require_user, services
from services.analyses import AnalysisStatus

svc = services()
user = require_user()
st.title("My analyses")

CONFIRM_DELETE = "confirm_delete"
SHARE_PANEL = "share_panel"
NEW_LINK = "new_share_link"  # (analysis hex, url): the URL is shown once, right after it is made
EXPIRY = {"never": None, "in 7 days": 7, "in 30 days": 30}


# Buttons act in callbacks: they run before the page is drawn, so the page shows the new state at once.


def _make_link(analysis_id: uuid.UUID, expiry_key: str) -> None:
    url = sharing.create_link(svc, user, analysis_id, expires_in_days=EXPIRY[st.session_state[expiry_key]])
    st.session_state[NEW_LINK] = (analysis_id.hex, url)


def _revoke(link_id: uuid.UUID) -> None:
    sharing.revoke_link(svc, user, link_id)
    st.session_state.pop(NEW_LINK, None)  # the URL on screen may be the revoked one


def _toggle_share(key: str) -> None:
    st.session_state[SHARE_PANEL] = None if st.session_state.get(SHARE_PANEL) == key else key


def _ask_delete(key: str) -> None:
    st.session_state[CONFIRM_DELETE] = key


def _keep() -> None:
    st.session_state.pop(CONFIRM_DELETE, None)


def _delete(analysis_id: uuid.UUID) -> None:
    studio.delete(svc, user, analysis_id)
    st.session_state.pop(CONFIRM_DELETE, None)
    if st.session_state.get(ANALYSIS) == str(analysis_id):
        st.session_state.pop(ANALYSIS, None)


def _share_panel(analysis_id: uuid.UUID, filename: str) -> None:
    """Make a link, show it once, and list the live links with a Revoke button each."""
    key = analysis_id.hex
    with st.container(border=True):
        st.markdown(f"**Share {filename or 'this analysis'}** — a read-only results page; no account needed.")
        new = st.session_state.get(NEW_LINK)
        if new and new[0] == key:
            st.success("Copy this link now: it is shown only once. Anyone with it can see the results.")
            st.code(new[1], language=None)
            problem = sharing.unreachable_link_warning(svc.settings.public_url, st.context.headers.get("host"))
            if problem:
                st.warning(problem, icon=":material/link_off:")
        expiry, make = st.columns([2, 1])
        expiry.selectbox("Link expires", list(EXPIRY), key=f"share-expiry-{key}")
        make.button(
            "Make a link", key=f"share-create-{key}", on_click=_make_link, args=(analysis_id, f"share-expiry-{key}")
        )
        links = sharing.live_links(svc, user, analysis_id)
        if not links:
            st.caption("No live links.")
        for link in links:
            made, revoke = st.columns([4, 1])
            until = "never expires" if link.expires_at is None else f"expires {link.expires_at:%Y-%m-%d %H:%M} UTC"
            made.caption(f"Link made {link.created_at:%Y-%m-%d %H:%M} UTC · {until}")
            revoke.button("Revoke", key=f"revoke-{link.id.hex}", on_click=_revoke, args=(link.id,))


rows = studio.my_analyses(svc, user)
if not rows:
    st.info("No analyses yet.")
    st.page_link("app/pages/new_analysis.py", label="Start a new analysis", icon=":material/video_call:")
    st.stop()

widths = [3, 2, 2, 1, 1, 1, 1, 1]
for col, label in zip(st.columns(widths), ["Clip", "Date (UTC)", "Status", "Score", "", "", "", ""], strict=True):
    col.markdown(f"**{label}**")
for row in rows:
    key = row.id.hex
    clip, date, status, score, open_col, rerun_col, share_col, delete_col = st.columns(widths)
    clip.write(row.filename or "—")
    date.write(row.created_at.strftime("%Y-%m-%d %H:%M"))
    status.write(row.status.replace("_", " "))
    score.write("—" if row.score is None else f"{row.score:.0f}")
    if open_col.button("Open", key=f"open-{key}"):
        open_analysis(
            row.id, "app/pages/results.py" if row.status == AnalysisStatus.SUCCEEDED else "app/pages/progress.py"
        )
    finished = row.status in studio.FINISHED
    if rerun_col.button("Rerun", key=f"rerun-{key}", disabled=not finished, help="Run the analysis again"):
        try:
            studio.rerun(svc, user, row.id)
        except studio.RerunError as exc:  # it was queued meanwhile (another tab)
            st.warning(str(exc))
        else:
            open_analysis(row.id, "app/pages/progress.py")
    share_col.button("Share", key=f"share-{key}", on_click=_toggle_share, args=(key,))
    delete_col.button("Delete", key=f"delete-{key}", on_click=_ask_delete, args=(key,))
    if st.session_state.get(SHARE_PANEL) == key:
        _share_panel(row.id, row.filename)
    if st.session_state.get(CONFIRM_DELETE) == key:
        st.warning(f"Delete **{row.filename}** with its results, files and share links? This cannot be undone.")
        yes, no = st.columns(2)
        yes.button("Yes, delete", key=f"confirm-delete-{key}", type="primary", on_click=_delete, args=(row.id,))
        no.button("Keep it", key=f"cancel-delete-{key}", on_click=_keep)
