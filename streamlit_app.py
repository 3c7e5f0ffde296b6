"""Poser studio: ``streamlit run streamlit_app.py`` (port 8501).

One entrypoint; :func:`st.navigation` offers the pages that fit the session: Landing and Sign in when
signed out, New analysis / My analyses / Progress / Results and Sign out when signed in.
"""

from __future__ import annotations

import streamlit as st

from app.session import current_user, sign_out


def _sign_out_page() -> None:
    sign_out()
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="Poser studio", page_icon="⛷️", layout="wide")
    user = current_user()
    if user is None:
        pages = [
            st.Page("app/pages/landing.py", title="Welcome", icon="⛷️", default=True),
            st.Page("app/pages/sign_in.py", title="Sign in", icon="🔑"),
        ]
        nav = st.navigation(pages)
    else:
        nav = st.navigation(
            {
                "Analyse": [
                    st.Page("app/pages/new_analysis.py", title="New analysis", icon="🎬", default=True),
                    st.Page("app/pages/my_analyses.py", title="My analyses", icon="🗂️"),
                    st.Page("app/pages/progress.py", title="Progress", icon="⏳"),
                    st.Page("app/pages/results.py", title="Results", icon="📈"),
                ],
                "Account": [st.Page(_sign_out_page, title="Sign out", icon="🚪", url_path="sign-out")],
            }
        )
        st.sidebar.caption(f"Signed in as {user.email}")
    nav.run()


main()
