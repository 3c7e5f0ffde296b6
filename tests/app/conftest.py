"""The studio under AppTest: a fresh POSER_DATA_DIR per test, Streamlit's caches cleared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.studio import send_sign_in_code, sign_in
from poser_pipeline.synthetic.video import write_moving_figure_clip
from services.composition import Services, build
from services.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "streamlit_app.py"


def _clear() -> None:
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty POSER_DATA_DIR (SQLite, local storage, mail.log) for the studio and the test."""
    data = tmp_path / "data"
    monkeypatch.setenv("POSER_DATA_DIR", str(data))
    for name in ("DATABASE_URL", "POSER_STORAGE", "POSER_MAIL", "POSER_QUEUE"):
        monkeypatch.delenv(name, raising=False)
    _clear()
    yield data
    _clear()


@pytest.fixture
def svc(data_dir: Path) -> Services:
    """The same services the studio builds (same database file and storage folder)."""
    return build()


def new_app() -> AppTest:
    return AppTest.from_file(str(ENTRYPOINT), default_timeout=60)


def latest_code(mail_log: Path, email: str) -> str:
    """The last 6-digit code mailed to ``email`` (LocalMailer's ``mail.log``)."""
    text = mail_log.read_text() if mail_log.exists() else ""
    blocks = [b for b in text.split("=====") if f"To: {email}" in b]
    found = re.findall(r"\b(\d{6})\b", blocks[-1]) if blocks else []
    return found[-1] if found else ""


def token_for(svc: Services, email: str) -> str:
    """Sign ``email`` in through the services (a session token), as the sign-in page does."""
    send_sign_in_code(svc, email)
    return sign_in(svc, email, latest_code(svc.settings.mail_log, email))


def signed_in_app(svc: Services, email: str) -> AppTest:
    at = new_app()
    at.session_state["poser_token"] = token_for(svc, email)
    return at


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, tuple[float, float, float, float]]:
    """A small synthetic clip (30 frames, 25 fps, 320×240) and the figure's box on its first frame."""
    path = tmp_path_factory.mktemp("clip") / "descent.mp4"
    truth = write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=9)
    return path.read_bytes(), tuple(float(v) for v in truth[0])


# -- a finished run of the synthetic skier (tests/app/test_results_review.py, benchmarks/studio_results.py) ---


def _frame_colour(index: int) -> tuple[int, int, int]:
    """The flat BGR colour of seeded video frame ``index``: its base-16 digits (blue lowest), each ×16 + 8."""
    return (index % 16) * 16 + 8, (index // 16 % 16) * 16 + 8, (index // 256 % 16) * 16 + 8


def frame_number_in(image_rgb) -> int:
    """The frame number a seeded video frame carries in its colour (read from its centre pixel)."""
    r, g, b = (int(v) for v in image_rgb[image_rgb.shape[0] // 2, image_rgb.shape[1] // 2])
    return round((b - 8) / 16) + 16 * round((g - 8) / 16) + 256 * round((r - 8) / 16)


def _write_numbered_video(path: Path, n_frames: int, fps: float, size: tuple[int, int] = (320, 240)) -> None:
    """An H.264 clip whose frame ``i`` is flat :func:`_frame_colour` (i) with its number written in a corner."""
    import cv2
    import numpy as np

    from poser_pipeline.video.writer import H264Writer

    w, h = size
    with H264Writer(path, w, h, fps=fps, preset="ultrafast", crf=12) as writer:
        for i in range(n_frames):
            image = np.empty((h, w, 3), np.uint8)
            image[:] = _frame_colour(i)
            cv2.putText(image, f"frame {i}", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
            writer.write(image, i * 1000.0 / fps)


def seed_synthetic_run(
    svc: Services,
    email: str,
    *,
    params=None,
    lost: tuple[int, int] | None = None,
    filename: str = "synthetic.mp4",
    centred: bool = True,
):
    """A succeeded run of the synthetic skier owned by ``email``, written as a local worker writes one.

    The skier (``poser_pipeline.synthetic.skier``) goes through the real metrics; its rows go through
    ``DbRunReporter`` and ``services.run_payloads`` (the worker's own path). ``lost`` = frames
    ``(a, b)`` without usable pose (a turn there becomes unmeasurable). The overlay (and centred)
    video is a numbered clip: frame ``i`` is flat :func:`_frame_colour` (i). Returns the analysis id.
    """
    import json
    import tempfile
    from types import SimpleNamespace

    from db import queries
    from poser_pipeline.metrics.feedback import coaching_feedback
    from poser_pipeline.metrics.measure import measure_run
    from poser_pipeline.synthetic.skier import SkierParams, generate_run
    from services import run_payloads
    from services.reporter import DbRunReporter
    from services.run_analysis import report_rows
    from services.run_input import artifact_key

    run = generate_run(params or SkierParams(inside_delay_s=0.15, seed=1))
    valid = ~run.truth["dropped"]
    if lost is not None:
        valid[lost[0] : lost[1]] = False
    measured = measure_run(run.world_xyz, valid, fps=run.fps, image_xy=run.image_xy)
    series, structure, metrics = measured.series, measured.turns, measured.metrics
    n = len(valid)
    box = (100.0, 40.0, 220.0, 220.0)
    tracking = SimpleNamespace(
        num_frames=n,
        boxes=[box] * n,
        timestamps_ms=[i * 1000.0 / run.fps for i in range(n)],
        confidence=[0.9] * n,
        lost=[False] * n,
    )
    result = SimpleNamespace(tracking=tracking, series=series, turns=structure, metrics=metrics)
    with svc.factory.begin() as session:
        user = queries.get_user_by_email(session=session, email=email) or queries.create_user(
            session=session, email=email
        )
        analysis = queries.create_analysis(session=session, owner_id=user.id, filename=filename, fps=run.fps)
        run_row = queries.create_run(session=session, analysis_id=analysis.id)
        queries.set_run_status(session=session, run_id=run_row.id, status="running")
        analysis_id, run_id = analysis.id, run_row.id
    reporter = DbRunReporter(svc.factory, run_id=run_id, analysis_id=analysis_id)
    report_rows(result, reporter)  # type: ignore[arg-type]  # the fields report_rows reads
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "overlay.mp4"
        _write_numbered_video(video, n, run.fps)
        run_json = Path(tmp) / "run.json"
        summary = {
            "feedback": [f.as_dict() for f in coaching_feedback(metrics)],
            "warnings": [],
            "metrics": {"reference": metrics.reference},
        }
        run_json.write_text(json.dumps(summary))
        files = {"overlay_video": video, "run_json": run_json} | ({"centred_video": video} if centred else {})
        for kind, path in files.items():
            name, content_type = run_payloads.ARTIFACT_FILES[kind]
            key = artifact_key(analysis_id, run_id, name)
            svc.storage.put_file(key, path, content_type=content_type)
            reporter.artifact(kind, key, path.stat().st_size, content_type)
    reporter.status("succeeded", num_frames=n, fps=run.fps)
    return analysis_id
