"""Poser studio: ``streamlit run streamlit_app.py`` (port 8501).

One entrypoint; :func:`st.navigation` offers the pages that fit the session: Landing and Sign in when
signed out, New analysis / My analyses / Compare / Progress / Results and Sign out when signed in, Admin
for admins only, and Shared results for anyone who came with a share link (``?share=<token>``), signed
in or not: that page is then the one the link opens.
"""

from __future__ import annotations

import streamlit as st

from app.session import current_user, sign_out
from app.sharing import SHARE_PARAM, SHARE_TOKEN


def _sign_out_page() -> None:
    sign_out()
    st.rerun()


def _share_token() -> tuple[str | None, bool]:
    """The share token of this visit and whether the link was just opened (it is then the default page).

    The token is kept in the session: Streamlit drops query parameters when the visitor changes page.
    """
    from_link = st.query_params.get(SHARE_PARAM)
    if from_link:
        st.session_state[SHARE_TOKEN] = from_link
    return st.session_state.get(SHARE_TOKEN), bool(from_link)


def main() -> None:
    st.set_page_config(page_title="Poser studio", page_icon=":material/downhill_skiing:", layout="wide")
    user = current_user()
    token, opened_link = _share_token()
    shared = (
        [
            st.Page(
                "app/pages/shared.py",
                title="Shared results",
                icon=":material/visibility:",
                url_path="shared",
                default=opened_link,
            )
        ]
        if token
        else []
    )
    if user is None:
        pages = [
            st.Page(
                "app/pages/landing.py", title="Welcome", icon=":material/downhill_skiing:", default=not opened_link
            ),
            st.Page("app/pages/sign_in.py", title="Sign in", icon=":material/login:"),
            *shared,
        ]
        nav = st.navigation(pages)
    else:
        sections = {
            "Analyse": [
                st.Page(
                    "app/pages/new_analysis.py",
                    title="New analysis",
                    icon=":material/video_call:",
                    default=not opened_link,
                ),
                st.Page("app/pages/my_analyses.py", title="My analyses", icon=":material/folder_open:"),
                st.Page("app/pages/progress.py", title="Progress", icon=":material/hourglass_top:"),
                st.Page("app/pages/results.py", title="Results", icon=":material/monitoring:"),
                st.Page("app/pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
            ],
        }
        if shared:
            sections["Shared with you"] = shared
        if user.is_admin:  # the page refuses non-admins too; hiding it keeps the menu honest
            sections["Admin"] = [st.Page("app/pages/admin.py", title="Admin", icon=":material/admin_panel_settings:")]
        sections["Account"] = [st.Page(_sign_out_page, title="Sign out", icon=":material/logout:", url_path="sign-out")]
        nav = st.navigation(sections)
        st.sidebar.caption(f"Signed in as {user.email}")
    nav.run()


main()
