"""Sign in with an emailed 6-digit code.

Both steps run as button callbacks: they finish before the script reruns, so a successful sign-in
already shows the signed-in navigation on the same run.
"""

import streamlit as st

from app import studio
from app.session import TOKEN, current_user, services

svc = services()
SENT_TO = "code_sent_to"
ERROR = "sign_in_error"


def _send_code() -> None:
    email = st.session_state.get("sign_in_email", "")
    try:
        studio.send_sign_in_code(svc, email)
    except studio.AuthError as exc:
        st.session_state[ERROR] = str(exc)
    else:
        st.session_state[SENT_TO] = email.strip()
        st.session_state.pop(ERROR, None)


def _verify_code() -> None:
    try:
        token = studio.sign_in(svc, st.session_state.get(SENT_TO, ""), st.session_state.get("sign_in_code", ""))
    except studio.AuthError as exc:
        st.session_state[ERROR] = str(exc)
    else:
        st.session_state[TOKEN] = token
        for key in (SENT_TO, ERROR):
            st.session_state.pop(key, None)


st.title("Sign in")
signed_in = current_user()
if signed_in is not None:
    st.success(f"You are signed in as {signed_in.email}.")
    st.page_link("app/pages/new_analysis.py", label="Start a new analysis", icon=":material/video_call:")
    st.stop()
with st.form("request_code_form"):
    st.text_input("Email", key="sign_in_email", placeholder="you@example.com")
    st.form_submit_button("Send me a code", key="send_code", on_click=_send_code)

sent_to = st.session_state.get(SENT_TO)
if sent_to:
    message = f"We sent a 6-digit code to **{sent_to}**; it expires in 10 minutes."
    if svc.settings.mail == "local":
        message += f" (Local mode: the code is in `{svc.settings.mail_log}`.)"
    st.info(message)
    with st.form("verify_code_form"):
        st.text_input("Code", key="sign_in_code", max_chars=6)
        st.form_submit_button("Sign in", key="verify_code", on_click=_verify_code)
if st.session_state.get(ERROR):
    st.error(st.session_state[ERROR])
