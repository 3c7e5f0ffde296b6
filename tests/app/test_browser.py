"""Smoke test in a real browser: the studio's server starts and its landing page renders in Chromium.

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright`` package (its own
browser download is never used); skipped when either is missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from db import queries
from tests.app.conftest import REPO, latest_code
from tests.browser import launched_chromium
from tests.ports import free_port

pytestmark = pytest.mark.slow


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def browser_page(tmp_path: Path):
    """A page in Debian's Chromium driven by Playwright (skipped when either is missing)."""
    with launched_chromium() as browser:
        yield browser.new_page(viewport={"width": 1400, "height": 1100})


@pytest.fixture
def studio_url(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    """``streamlit run streamlit_app.py`` on a free loopback port with the test's POSER_DATA_DIR."""
    port = free_port()
    env = {**os.environ, "POSER_DATA_DIR": str(data_dir)}
    log = (tmp_path / "streamlit.log").open("w")
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true"]
    command += ["--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            assert server.poll() is None, (tmp_path / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "the studio did not start in 60 s"
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_landing_page_renders_in_chromium(studio_url: str, browser_page, tmp_path: Path):
    page = browser_page
    page.goto(studio_url, wait_until="domcontentloaded")
    page.get_by_text("Film a run, draw one box around the skier", exact=False).wait_for(timeout=30_000)
    page.get_by_role("link", name="Sign in").first.wait_for(timeout=10_000)
    shot = tmp_path / "landing.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.fixture
def local_stack(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    """``make run``'s stack (scripts/run-local.sh: sidecar, worker process, studio) on free loopback ports."""
    studio_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSER_", "AWS_")) and k != "DATABASE_URL"}
    env |= {
        "POSER_DATA_DIR": str(data_dir),
        "POSER_STUDIO_PORT": str(studio_port),
        "POSER_API_PORT": str(api_port),
        "GLOG_minloglevel": "2",
    }
    log_path = tmp_path / "stack.log"
    with log_path.open("w") as log:
        stack = subprocess.Popen(
            ["scripts/run-local.sh"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{studio_port}"
        try:
            deadline = time.monotonic() + 90
            while not _healthy(url):
                assert stack.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the stack did not start in 90 s"
                time.sleep(0.3)
            yield url
        finally:
            os.killpg(stack.pid, signal.SIGTERM)
            stack.wait(timeout=30)


def test_the_make_run_stack_from_sign_in_to_results_in_chromium(local_stack: str, browser_page, svc, clip_bytes):
    """Sign in with the mailed code, upload, drag the box on the real canvas, watch the worker process
    finish the run, and read the results (a playing video, charts, a download). Screenshots of each
    page land in test-artifacts/studio/ for a person to look at."""
    page, (data, truth) = browser_page, clip_bytes
    shots = REPO / "test-artifacts" / "studio"
    shots.mkdir(parents=True, exist_ok=True)
    clip = shots.parent / "descent.mp4"
    clip.write_bytes(data)

    page.goto(local_stack, wait_until="domcontentloaded")
    page.get_by_text("Film a run, draw one box around the skier", exact=False).wait_for(timeout=30_000)
    page.screenshot(path=str(shots / "1-landing.png"), full_page=True)
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_text("We sent a 6-digit code").wait_for(timeout=15_000)
    page.screenshot(path=str(shots / "2-sign-in.png"), full_page=True)
    page.get_by_label("Code").fill(latest_code(svc.settings.mail_log, "browser@example.com"))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="New analysis").wait_for(timeout=15_000)

    page.locator("input[type=file]").set_input_files(str(clip))
    page.get_by_text("Draw one box around the skier", exact=False).wait_for(timeout=30_000)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=15_000)
    bb = canvas.bounding_box()
    assert bb is not None
    scale_x, scale_y = bb["width"] / 320, bb["height"] / 240  # the 320×240 clip is shown enlarged
    assert scale_x > 1.5
    x1, y1, x2, y2 = truth[0] - 4, truth[1] - 4, truth[2] + 4, truth[3] + 4
    page.mouse.move(bb["x"] + x1 * scale_x, bb["y"] + y1 * scale_y)
    page.mouse.down()
    page.mouse.move(bb["x"] + x2 * scale_x, bb["y"] + y2 * scale_y, steps=8)
    page.mouse.up()
    page.get_by_text("Box (frame px)").wait_for(timeout=15_000)
    page.screenshot(path=str(shots / "3-new-analysis-box.png"), full_page=True)
    page.get_by_role("button", name="Analyse").click()
    page.get_by_role("heading", name="Progress").wait_for(timeout=15_000)
    page.screenshot(path=str(shots / "4-progress.png"), full_page=True)

    with svc.factory() as session:
        (analysis,) = queries.list_analyses(session=session)
    drawn = (analysis.bbox_x1, analysis.bbox_y1, analysis.bbox_x2, analysis.bbox_y2)
    assert drawn == pytest.approx((x1, y1, x2, y2), abs=2.0)

    # The worker process of the stack runs it; the progress fragment polls every 2 s without a reload.
    page.get_by_role("button", name="See the results").click(timeout=120_000)
    with svc.factory() as session:
        assert queries.latest_run(session=session, analysis_id=analysis.id).status == "succeeded"
        assert queries.get_analysis(session=session, analysis_id=analysis.id).progress["percent"] == 100
    page.get_by_role("heading", name="Results").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 3
    assert page.locator("[data-testid='stException']").count() == 0
    # (served as octet-stream: a video/mp4 response fails with HTTP 500 under starlette 1.10, see
    # app.studio.MEDIA_MIME); readyState >= 2 means Chromium decoded the current frame
    page.wait_for_function("document.querySelector('video') && document.querySelector('video').readyState >= 2")
    page.screenshot(path=str(shots / "5-results.png"), full_page=True)
    # one download per page: Chromium holds back a second automatic download without asking
    with page.expect_download() as video:
        page.get_by_role("button", name="overlay.mp4").click()
    assert video.value.suggested_filename == "descent-overlay.mp4"
    assert Path(video.value.path()).read_bytes()[4:8] == b"ftyp"

    page.get_by_role("link", name="My analyses").first.click()
    page.get_by_text("descent.mp4").first.wait_for(timeout=15_000)
    page.screenshot(path=str(shots / "6-my-analyses.png"), full_page=True)
