"""The studio's pages under Streamlit's AppTest: sign-in, upload, box, progress, results, ownership."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import studio
from db import queries
from services.composition import Services
from services.worker import LocalWorker
from tests.app.conftest import latest_code, new_app, signed_in_app

SIGNED_IN_PAGES = (
    "app/pages/new_analysis.py",
    "app/pages/my_analyses.py",
    "app/pages/progress.py",
    "app/pages/results.py",
)


def texts(at: AppTest) -> str:
    """Every message, caption and markdown on the page, joined (for ``in`` checks)."""
    parts = [
        e.value for kind in ("markdown", "caption", "error", "info", "success", "warning") for e in getattr(at, kind)
    ]
    parts += [e.value for e in at.title] + [e.value for e in at.subheader]
    return "\n".join(str(p) for p in parts)


def uploaded_with_box(svc: Services, email: str, clip_bytes) -> AppTest:
    """New analysis, signed in as ``email``: the synthetic clip uploaded and its box drawn (through the seam)."""
    data, box = clip_bytes
    at = signed_in_app(svc, email).run()
    at.file_uploader(key="clip_upload").upload("descent.mp4", data, "video/mp4")
    at.session_state["test_box"] = box
    at.run()
    assert not at.exception
    return at


def reopen(at: AppTest, page: str) -> AppTest:
    """A fresh AppTest on ``page`` with ``at``'s sign-in and chosen analysis.

    After ``st.switch_page`` AppTest keeps the previous page's widgets in its tree, and the next
    ``run()`` trips over them: a page reached by a button is therefore re-opened fresh, as a
    browser reload would.
    """
    fresh = new_app()
    for key in ("poser_token", "analysis_id"):
        if key in at.session_state:
            fresh.session_state[key] = at.session_state[key]
    return fresh.switch_page(page).run()


def test_every_page_opens_signed_out(data_dir):
    at = new_app().run()
    assert not at.exception
    assert "Poser" in at.title[0].value
    for page in ("app/pages/landing.py", "app/pages/sign_in.py"):
        at.switch_page(page).run()
        assert not at.exception, page


def test_every_page_opens_signed_in_with_nothing_chosen(svc: Services):
    at = signed_in_app(svc, "empty@example.com").run()
    assert not at.exception
    assert at.title[0].value == "New analysis"
    assert at.sidebar.caption[0].value == "Signed in as empty@example.com"
    for page in SIGNED_IN_PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
    assert "No results yet" in texts(at)  # the last page, Results, for someone with no analysis


def test_sign_in_with_the_code_from_mail_log(data_dir):
    at = new_app().switch_page("app/pages/sign_in.py").run()
    at.text_input(key="sign_in_email").input("Rider@Example.com")
    at.button(key="send_code").click().run()
    assert not at.exception
    mail_log = data_dir / "mail.log"
    assert str(mail_log) in texts(at)
    at.text_input(key="sign_in_code").input("000000" if latest_code(mail_log, "rider@example.com") != "000000" else "1")
    at.button(key="verify_code").click().run()
    assert "not right" in texts(at)
    at.text_input(key="sign_in_code").input(latest_code(mail_log, "rider@example.com"))
    at.button(key="verify_code").click().run()
    assert not at.exception
    assert at.session_state["poser_token"]
    assert at.title[0].value == "New analysis"  # the sign-in page is no longer offered: the default page shows
    assert "Signed in as rider@example.com" in texts(at)
    at.switch_page("app/pages/sign_in.py").run()  # not offered when signed in: the default page again
    assert at.title[0].value == "New analysis"


def test_an_invalid_email_is_refused_with_a_message(data_dir):
    at = new_app().switch_page("app/pages/sign_in.py").run()
    at.text_input(key="sign_in_email").input("not-an-email")
    at.button(key="send_code").click().run()
    assert "is not an email address" in texts(at)


def test_a_file_that_is_not_a_video_is_refused_and_leaves_nothing(svc: Services):
    at = signed_in_app(svc, "upload@example.com").run()
    at.file_uploader(key="clip_upload").upload("notes.mp4", b"these are my notes, not a video", "video/mp4")
    at.run()
    assert not at.exception
    assert "We can't use this file" in at.error[0].value
    assert "not a video file we can read" in at.error[0].value
    with svc.factory() as session:
        assert queries.list_analyses(session=session) == []


def test_the_upload_helper_refuses_a_non_video_type(svc: Services):
    token_user = signed_in_app(svc, "helper@example.com")
    user = studio.user_for(svc, token_user.session_state["poser_token"])
    with pytest.raises(studio.UploadError, match="is not a video"):
        studio.upload_clip(svc, user, filename="notes.txt", data=b"hello", content_type="text/plain")


def test_upload_box_progress_and_results(svc: Services, clip_bytes):
    at = uploaded_with_box(svc, "skier@example.com", clip_bytes)
    assert "descent.mp4: 1.2 s, 25 fps, 320×240 px" in texts(at)
    assert len(at.get("video")) == 1  # the chosen part, to watch before drawing the box
    assert at.slider(key="trim").value == (0.0, pytest.approx(1.2))
    assert at.button(key="submit").disabled is False
    at.button(key="submit").click().run()
    assert not at.exception
    assert at.title[0].value == "Progress"
    assert "Status: **queued**" in texts(at)

    assert LocalWorker(svc.factory, svc.storage).run_once() is not None
    at = reopen(at, "app/pages/progress.py")
    assert "Status: **succeeded**" in texts(at), texts(at)
    at.button(key="open_results").click().run()
    assert not at.exception
    assert at.title[0].value == "Results"
    at = reopen(at, "app/pages/results.py")
    charts = {e.proto.id.rsplit("-", 1)[-1] for e in at.get("plotly_chart")}
    # (the clip's turns are not measurable, so the two turn-axis charts show a message instead)
    assert {"turn_timeline", "edge_similarity_chart", "edge_angle_chart", "body_metrics_chart"} <= charts
    with svc.factory() as session:
        (analysis,) = queries.list_analyses(session=session)
        run = queries.latest_succeeded_run(session=session, analysis_id=analysis.id)
        segments = queries.list_turn_segments(session=session, run_id=run.id)
    turns_metric = next(m for m in at.metric if m.label == "Turns")
    assert turns_metric.value == str(len(segments))
    table = at.dataframe[0].value
    assert len(table) == len(segments)
    for row, segment in zip(table["edge similarity"], segments, strict=True):
        assert (row == "not measurable") == (not segment.measurable)
    assert len(at.get("video")) == 1
    assert {b.key for b in at.get("download_button")} >= {"download-frames_csv", "download-turns_csv"}
    assert analysis.bbox_x1 == pytest.approx(clip_bytes[1][0])

    at = reopen(at, "app/pages/my_analyses.py")
    assert "descent.mp4" in texts(at)
    key = analysis.id.hex
    at.button(key=f"delete-{key}").click().run()
    assert "cannot be undone" in texts(at)
    at.button(key=f"confirm-delete-{key}").click().run()
    assert not at.exception
    assert "No analyses yet" in texts(at)
    assert not any((svc.settings.storage_dir).rglob("*.mp4"))


def test_a_failed_run_shows_its_reason_and_try_again_queues_a_new_run(svc: Services, clip_bytes):
    data, box = clip_bytes
    at = signed_in_app(svc, "fail@example.com")
    user = studio.user_for(svc, at.session_state["poser_token"])
    draft = studio.upload_clip(svc, user, filename="descent.mp4", data=data, content_type="video/mp4")
    run_id = studio.submit(svc, user, draft, box=box, trim=(0.0, 1.0), at_s=0.0)
    with svc.factory.begin() as session:
        queries.set_run_status(session=session, run_id=run_id, status="running")
        queries.set_run_status(session=session, run_id=run_id, status="failed", error="the skier was lost")
    at.session_state["analysis_id"] = str(draft.analysis_id)
    at.switch_page("app/pages/progress.py").run()
    assert "the skier was lost" in at.error[0].value
    at.button(key="try_again").click().run()
    assert not at.exception
    assert "Status: **queued**" in texts(at)
    assert "run 2" in texts(at)


def test_another_users_analysis_is_not_reachable(svc: Services, clip_bytes):
    data, _ = clip_bytes
    owner = signed_in_app(svc, "owner@example.com")
    user = studio.user_for(svc, owner.session_state["poser_token"])
    draft = studio.upload_clip(svc, user, filename="private.mp4", data=data, content_type="video/mp4")

    at = signed_in_app(svc, "stranger@example.com")
    at.session_state["analysis_id"] = str(draft.analysis_id)
    for page in ("app/pages/progress.py", "app/pages/results.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert "does not exist (or is not yours)" in texts(at), page
    at.switch_page("app/pages/my_analyses.py").run()
    assert "private.mp4" not in texts(at)
    stranger = studio.user_for(svc, at.session_state["poser_token"])
    with pytest.raises(studio.NotFoundError):
        studio.delete(svc, stranger, draft.analysis_id)


def test_progress_and_results_open_the_latest_analysis_when_none_is_chosen(svc: Services, clip_bytes):
    data, box = clip_bytes
    at = signed_in_app(svc, "latest@example.com")
    token = at.session_state["poser_token"]
    user = studio.user_for(svc, token)
    finished = studio.upload_clip(svc, user, filename="finished.mp4", data=data, content_type="video/mp4")
    studio.submit(svc, user, finished, box=box, trim=(0.0, 1.0), at_s=0.0)
    assert LocalWorker(svc.factory, svc.storage).run_once() is not None
    failed = studio.upload_clip(svc, user, filename="failed.mp4", data=data, content_type="video/mp4")
    run_id = studio.submit(svc, user, failed, box=box, trim=(0.0, 1.0), at_s=0.0)
    with svc.factory.begin() as session:
        queries.set_run_status(session=session, run_id=run_id, status="running")
        queries.set_run_status(session=session, run_id=run_id, status="failed", error="the skier was lost")
    studio.upload_clip(svc, user, filename="no-box-yet.mp4", data=data, content_type="video/mp4")

    def fresh(page: str) -> AppTest:
        opened = new_app()
        opened.session_state["poser_token"] = token  # signed in, nothing chosen
        return opened.switch_page(page).run()

    at = fresh("app/pages/progress.py")
    assert not at.exception
    assert "Your latest analysis, failed.mp4" in texts(at)  # not the clip still waiting for its box
    assert "the skier was lost" in at.error[0].value
    assert at.session_state["analysis_id"] == str(failed.analysis_id)  # kept while others finish
    at = fresh("app/pages/results.py")
    assert not at.exception
    assert "latest finished analysis" in texts(at)
    assert at.subheader[0].value == "finished.mp4"
    assert len(at.get("video")) == 1

    studio.rerun(svc, user, finished.analysis_id)  # queued again: the newest run, and its results still stand
    assert "Your latest analysis, finished.mp4" in texts(fresh("app/pages/progress.py"))
    at = fresh("app/pages/results.py")
    assert at.subheader[0].value == "finished.mp4" and len(at.get("video")) == 1


def test_a_box_on_empty_snow_is_flagged_before_submit_and_can_still_be_analysed(svc: Services, clip_bytes):
    # the synthetic clip's "skier" is a coloured figure: BlazePose sees no person
    at = uploaded_with_box(svc, "nobody@example.com", clip_bytes)
    assert "No person found in this box" in texts(at)
    assert at.button(key="submit").disabled is False
    at.button(key="submit").click().run()
    assert not at.exception
    assert at.title[0].value == "Progress"
