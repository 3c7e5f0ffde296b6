"""The whole flow with real parts: SMTP (aiosmtpd), S3 (moto server), a real database, the real pipeline.

Sign in with the code read from the SMTP server → create upload → presigned PUT of a real clip →
confirm → pick the skier → the worker runs the pipeline → rows, downloadable artifacts, results email.
"""

from __future__ import annotations

import re

import pytest
import requests

from db import queries
from services.analyses import NotFoundError, edge_similarity, turns
from services.auth import request_code, verify_code
from services.database import load_metric_catalog
from services.mail import SmtpMailer, sign_in_code_message
from services.notify import RunNotifier
from services.uploads import PromptChoice, UploadError, confirm_upload, create_upload, submit_prompt
from services.worker import LocalWorker
from tests.services.conftest import SMTP_PASSWORD, SMTP_USER

MAX_BYTES = 20 * 2**20
SECRET = "e2e-secret"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    path = tmp_path_factory.mktemp("e2e") / "my run.mp4"
    truth = write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=6)
    return path, truth


def sign_in(factory, mailer, smtp_server, email):
    with factory.begin() as session:
        request_code(
            session=session,
            email=email,
            ip="127.0.0.1",
            secret_key=SECRET,
            deliver=lambda to, code: mailer.send(sign_in_code_message(to, code)),
        )
    body = smtp_server.received[-1][2].get_body(("plain",)).get_content()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    with factory.begin() as session:
        result = verify_code(session=session, email=email, code=code, secret_key=SECRET)
        assert result.error is None
        session.expunge(result.user)
        return result.user


def upload(factory, storage, user, path, content_type="video/mp4"):
    with factory.begin() as session:
        new = create_upload(
            session=session,
            storage=storage,
            user=user,
            filename=path.name,
            size_bytes=path.stat().st_size,
            content_type=content_type,
            max_bytes=MAX_BYTES,
        )
    response = requests.put(new.upload.url, data=path.read_bytes(), headers=new.upload.headers, timeout=30)
    assert response.status_code == 200, response.text
    return new.analysis_id


def test_sign_in_upload_analyse_download_and_email(factory, s3_storage, smtp_server, clip):
    load_metric_catalog(factory)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, user=SMTP_USER, password=SMTP_PASSWORD, starttls=False)
    user = sign_in(factory, mailer, smtp_server, "racer@example.com")
    path, truth = clip
    analysis_id = upload(factory, s3_storage, user, path)
    info = confirm_upload(
        session_factory=factory, storage=s3_storage, user=user, analysis_id=analysis_id, max_bytes=MAX_BYTES
    )
    assert (info["width"], info["height"]) == (320, 240)
    with factory.begin() as session:
        run_id = submit_prompt(
            session=session,
            user=user,
            analysis_id=analysis_id,
            prompt=PromptChoice(tuple(truth[0]), 0.0, info["duration_s"], 0.0, 20.0),
        )
    worker = LocalWorker(
        factory,
        s3_storage,
        on_finished=RunNotifier(
            factory, mailer, public_url="http://studio.test", api_url="http://api.test", secret_key="s"
        ),
    )
    assert worker.run_once() == run_id
    with factory() as session:
        assert queries.get_analysis(session=session, analysis_id=analysis_id).status == "succeeded"
        assert len(queries.list_frames(session=session, run_id=run_id)) == 30
        assert turns(session=session, user=user, analysis_id=analysis_id)["run_id"] == run_id
        assert edge_similarity(session=session, user=user, analysis_id=analysis_id)["run_id"] == run_id
        artifact = queries.get_artifact(session=session, run_id=run_id, kind="overlay_video")
    download = requests.get(s3_storage.presign_download(artifact.storage_key, filename="overlay.mp4"), timeout=30)
    assert download.status_code == 200 and len(download.content) == artifact.size_bytes
    assert download.content[4:8] == b"ftyp"  # an MP4
    to, subject = smtp_server.received[-1][1], smtp_server.received[-1][2]["Subject"]
    assert to == ["racer@example.com"] and "ready" in subject


def test_bad_uploads_leave_no_rows_and_no_files(factory, s3_storage, smtp_server, tmp_path):
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, starttls=False)
    user = sign_in(factory, mailer, smtp_server, "sloppy@example.com")
    text = tmp_path / "holiday.mp4"
    text.write_bytes(b"this is not a video\n" * 100)
    analysis_id = upload(factory, s3_storage, user, text)
    with pytest.raises(UploadError, match="not a video"):
        confirm_upload(
            session_factory=factory, storage=s3_storage, user=user, analysis_id=analysis_id, max_bytes=MAX_BYTES
        )
    with factory() as session:
        assert queries.get_analysis(session=session, analysis_id=analysis_id) is None
    assert not s3_storage.exists(f"uploads/{analysis_id}/holiday.mp4")
    # oversize: refused up front, and again at confirm if the browser sent more than it declared
    with factory.begin() as session, pytest.raises(UploadError, match="limit"):
        create_upload(
            session=session,
            storage=s3_storage,
            user=user,
            filename="big.mp4",
            size_bytes=MAX_BYTES + 1,
            content_type="video/mp4",
            max_bytes=MAX_BYTES,
        )
    big_id = upload(factory, s3_storage, user, text)
    with pytest.raises(UploadError, match="larger than the limit"):
        confirm_upload(session_factory=factory, storage=s3_storage, user=user, analysis_id=big_id, max_bytes=100)
    with factory() as session:
        assert queries.get_analysis(session=session, analysis_id=big_id) is None


def test_another_persons_analysis_and_a_box_outside_the_frame(factory, s3_storage, smtp_server, clip):
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, starttls=False)
    owner = sign_in(factory, mailer, smtp_server, "owner@example.com")
    other = sign_in(factory, mailer, smtp_server, "other@example.com")
    path, _ = clip
    analysis_id = upload(factory, s3_storage, owner, path)
    with pytest.raises(NotFoundError):
        confirm_upload(
            session_factory=factory, storage=s3_storage, user=other, analysis_id=analysis_id, max_bytes=MAX_BYTES
        )
    confirm_upload(
        session_factory=factory, storage=s3_storage, user=owner, analysis_id=analysis_id, max_bytes=MAX_BYTES
    )
    with factory.begin() as session, pytest.raises(UploadError, match="outside"):
        submit_prompt(
            session=session,
            user=owner,
            analysis_id=analysis_id,
            prompt=PromptChoice((900, 900, 990, 990), 0.0, 1.0, 0.5, 20.0),
        )
    with factory.begin() as session, pytest.raises(UploadError, match="trim window"):
        submit_prompt(
            session=session,
            user=owner,
            analysis_id=analysis_id,
            prompt=PromptChoice((10, 10, 60, 90), 0.0, 30.0, 0.5, 20.0),
        )
    with factory() as session:
        assert queries.latest_run(session=session, analysis_id=analysis_id) is None  # nothing queued
