"""The progress page while a run is running: stage, percent and an estimate of the time left."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app import eta, studio
from db import queries
from db.models import AnalysisRun, utcnow
from services.composition import Services
from tests.app.conftest import signed_in_app
from tests.app.test_studio import texts


@pytest.mark.parametrize(
    ("elapsed_s", "percent", "left_s"),
    [(20.0, 40.0, 30.0), (10.0, 100.0, 0.0), (60.0, 75.0, 20.0), (1.0, 50.0, None), (30.0, 1.0, None)],
)
def test_time_left_extrapolates_the_average_rate(elapsed_s, percent, left_s):
    assert eta.time_left_s(elapsed_s, percent) == (None if left_s is None else pytest.approx(left_s))


def test_time_left_reads_well():
    assert eta.describe_time_left(None) == "estimating time left…"
    assert eta.describe_time_left(31.0) == "about 30 s left"
    assert eta.describe_time_left(1.0) == "about 5 s left"
    assert eta.describe_time_left(200.0) == "about 3 min left"


def test_a_running_run_shows_stage_percent_and_time_left(svc: Services, clip_bytes):
    data, box = clip_bytes
    at = signed_in_app(svc, "running@example.com")
    user = studio.user_for(svc, at.session_state["poser_token"])
    draft = studio.upload_clip(svc, user, filename="descent.mp4", data=data, content_type="video/mp4")
    run_id = studio.submit(svc, user, draft, box=box, trim=(0.0, 1.0), at_s=0.0)
    with svc.factory.begin() as session:
        queries.set_run_status(session=session, run_id=run_id, status="running")
        session.execute(
            update(AnalysisRun).where(AnalysisRun.id == run_id).values(started_at=utcnow() - timedelta(seconds=20))
        )
        queries.set_progress(
            session=session, analysis_id=draft.analysis_id, stage="pose", percent=40.0, message="3D pose"
        )
    at.session_state["analysis_id"] = str(draft.analysis_id)
    at.switch_page("app/pages/progress.py").run()
    assert not at.exception
    assert "Status: **running**" in texts(at)
    (bar,) = at.get("progress")
    assert "3D pose · 40 %" in str(bar.proto)
    # 20 s for 40 % → 30 s left (35 s if the page took over 2 s to render on a loaded machine)
    assert re.search(r"about (30|35) s left", texts(at)), texts(at)
