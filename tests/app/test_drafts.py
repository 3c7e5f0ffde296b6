"""A clip uploaded but never given a box can be continued later, or discarded, from New analysis."""

from __future__ import annotations

from app import studio
from db import queries
from services.composition import Services
from tests.app.conftest import signed_in_app
from tests.app.test_studio import texts


def _upload(svc: Services, at, clip_bytes, name: str) -> studio.ClipDraft:
    user = studio.user_for(svc, at.session_state["poser_token"])
    return studio.upload_clip(svc, user, filename=name, data=clip_bytes[0], content_type="video/mp4")


def test_a_waiting_clip_is_continued_and_submitted(svc: Services, clip_bytes):
    at = signed_in_app(svc, "later@example.com")
    draft = _upload(svc, at, clip_bytes, "morning-run.mp4")
    other = signed_in_app(svc, "someone@example.com")
    _upload(svc, other, clip_bytes, "not-yours.mp4")

    at.switch_page("app/pages/new_analysis.py").run()
    assert "morning-run.mp4" in texts(at)
    assert "not-yours.mp4" not in texts(at)
    at.button(key=f"resume-{draft.analysis_id}").click().run()
    assert not at.exception
    assert "morning-run.mp4: 1.2 s, 25 fps, 320×240 px" in texts(at)
    assert len(at.get("video")) == 1  # the clip plays from storage: the uploader is empty this time

    at.session_state["test_box"] = clip_bytes[1]
    at.run()
    at.button(key="submit").click().run()
    assert not at.exception
    assert at.title[0].value == "Progress"
    with svc.factory() as session:
        assert queries.get_analysis(session=session, analysis_id=draft.analysis_id).status == "queued"


def test_a_waiting_clip_is_discarded_with_its_file(svc: Services, clip_bytes):
    at = signed_in_app(svc, "tidy@example.com")
    draft = _upload(svc, at, clip_bytes, "wobbly.mp4")
    assert svc.storage.exists(draft.storage_key)

    at.switch_page("app/pages/new_analysis.py").run()
    at.button(key=f"discard-{draft.analysis_id}").click().run()
    assert not at.exception
    at.run()  # AppTest keeps the elements of the pass that called st.rerun(); a plain run shows the page anew
    assert "wobbly.mp4" not in texts(at)
    assert not svc.storage.exists(draft.storage_key)
    with svc.factory() as session:
        assert queries.get_analysis(session=session, analysis_id=draft.analysis_id) is None
