"""The embed widget in a real browser, on a partner page served from another origin.

Real parts throughout: the sidecar under uvicorn (loopback port A), moto's S3 server (the browser PUTs
the clip there, cross-origin), an aiosmtpd SMTP server (the confirmation email), the in-process worker
running the real pipeline, and Debian's Chromium driven by Playwright. A partner page on loopback port B
(allowed) embeds ``<script src="http://127.0.0.1:A/embed/widget.js">``; the same page on port C (not
allowed) must show a visible refusal. Screenshots go to ``test-artifacts/embed/``.

Marked slow (servers, a browser and a pipeline run; ~30–60 s).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from db import queries
from db.engine import make_engine, make_session_factory, migrate
from embed_api.main import create_app
from services import partners
from services.database import load_metric_catalog
from services.embed_snippets import embed_snippets
from services.mail import SmtpMailer
from services.worker import LocalWorker
from tests import shared_clips
from tests.browser import launched_chromium
from tests.ports import free_port
from tests.services.conftest import s3_endpoint, s3_storage, smtp_server  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "embed"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font:16px system-ui,sans-serif;margin:24px;background:#f3f5f8">
<h1>{title}</h1><p>Book a lesson, or check your technique below.</p>
<div id="slot"></div>
<script src="{api}/embed/widget.js" data-partner="shop" data-target="#slot"></script>
</body></html>"""


REACT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>React shop</title></head>
<body><h1>React shop</h1><div id="poser-widget"></div>
<script>(function () {{ var box = {{ current: document.getElementById("poser-widget") }}; {body} }})();</script>
</body></html>"""


def _react_effect_body(api: str) -> str:
    """The statements of the React snippet's effect (what React runs on mount), cut from the snippet itself."""
    react = embed_snippets(api, "shop")["react"]
    start = react.index("useEffect(() => {") + len("useEffect(() => {")
    return react[start : react.index("return () =>")]


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    """A static file server for ``folder`` on a free loopback port (the partner's own site)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def stack(tmp_path, s3_storage, smtp_server) -> Iterator[dict]:  # noqa: F811 - imported fixtures
    """The sidecar on port A, an allowed partner page on port B and a refused one on port C."""
    url = f"sqlite:///{tmp_path / 'poser.db'}"
    migrate(url)
    factory = make_session_factory(make_engine(url))
    load_metric_catalog(factory)
    worker = LocalWorker(factory, s3_storage)
    finished: list[uuid.UUID] = []

    def dispatch(run_id: uuid.UUID) -> None:  # the in-process worker: one thread per queued run
        threading.Thread(target=lambda: worker.run_named(run_id) and finished.append(run_id), daemon=True).start()

    port = free_port()
    api = f"http://127.0.0.1:{port}"
    app = create_app(
        session_factory=factory,
        internal_token="browser-test",
        secret_key="browser-secret",
        storage=s3_storage,
        dispatch=dispatch,
        api_url=api,
        send_message=SmtpMailer(smtp_server.host, smtp_server.port, starttls=False).send,
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    sites = []
    for name, title in (("allowed", "Snow Shop"), ("refused", "Copycat Shop")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "index.html").write_text(PAGE.format(title=title, api=api))
        (folder / "react.html").write_text(REACT_PAGE.format(body=_react_effect_body(api)))
        sites.append(_serve(folder))
    with factory.begin() as session:
        partners.create_partner(
            session=session, name="Snow Shop", slug="shop", allowed_domains=[f"127.0.0.1:{sites[0][1]}"]
        )
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "uvicorn did not start"
        yield {
            "api": api,
            "allowed": f"http://127.0.0.1:{sites[0][1]}/index.html",
            "refused": f"http://127.0.0.1:{sites[1][1]}/index.html",
            "factory": factory,
            "smtp": smtp_server,
            "finished": finished,
        }
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for site, _ in sites:
            site.shutdown()


@pytest.fixture
def browser():
    with launched_chromium() as chromium:
        yield chromium


@dataclass(frozen=True)
class Clip:
    """A clip to submit: the skier's box (px) on its first frame, its width (px), the trim end (s)."""

    name: str
    path: Path
    box: tuple[float, float, float, float]
    width: int
    trim_end_s: float


@pytest.fixture(scope="module", params=["synthetic", "real"])
def clip(request, tmp_path_factory) -> Clip:
    """A generated clip (always), and the real labelled skier clip where ``../shared/clips`` exists.

    The generated figure is not a person to BlazePose, so its run has no turns and no score; the real
    clip's run has both.
    """
    if request.param == "synthetic":
        from poser_pipeline.synthetic.video import write_moving_figure_clip

        path = tmp_path_factory.mktemp("widget") / "my run.mp4"
        truth = write_moving_figure_clip(path, fps=25.0, n_frames=40, seed=6)
        return Clip("synthetic", path, tuple(float(v) for v in truth[0]), 320, 1.4)
    if not shared_clips.available():
        pytest.skip("../shared/clips is not here (it is only on the developers' machines)")
    real = shared_clips.load_clip("overlay.mp4")
    assert real.prompt_frame == 0  # the widget draws the box on the window's first frame
    return Clip("real", real.path, tuple(float(v) for v in real.prompt_box), 1920, 5.5)


def _shot(page, name: str, *, prefix: str = "") -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{prefix + '-' if prefix else ''}{name}.png"), full_page=True)


STATUS_LOG = """() => { window.__said = []; const n = document.querySelector('.poser-status');
  new MutationObserver(() => window.__said.push(n.textContent))
    .observe(n, {childList: true, characterData: true, subtree: true}); }"""


def test_widget_from_a_partner_origin_end_to_end(stack, browser, clip):
    path, shot = clip.path, functools.partial(_shot, prefix=clip.name)
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(stack["allowed"])
    page.wait_for_selector(".poser-file", state="visible", timeout=15_000)
    assert "Snow Shop" in page.inner_text(".poser-widget strong")

    page.set_input_files(".poser-file", str(path))
    page.wait_for_selector(".poser-canvas", state="visible", timeout=15_000)
    end = f"{clip.trim_end_s:.1f}"
    page.eval_on_selector(".poser-end", f"e => {{ e.value = '{end}'; e.dispatchEvent(new Event('input')); }}")
    page.wait_for_function(f"document.querySelector('.poser-window').textContent.includes('{end} s')")
    page.wait_for_timeout(300)  # the seek to the window's start redraws the canvas
    canvas = page.locator(".poser-canvas").bounding_box()
    scale = canvas["width"] / clip.width  # the canvas shows the frame at the widget's width
    x1, y1, x2, y2 = clip.box
    page.mouse.move(canvas["x"] + x1 * scale, canvas["y"] + y1 * scale)
    page.mouse.down()
    page.mouse.move(canvas["x"] + (x1 + x2) / 2 * scale, canvas["y"] + (y1 + y2) / 2 * scale, steps=4)
    page.mouse.move(canvas["x"] + x2 * scale, canvas["y"] + y2 * scale, steps=4)
    page.mouse.up()
    page.fill(".poser-email", "skier@example.com")
    shot(page, "01-box-drawn")
    assert page.is_enabled(".poser-send")

    page.evaluate(STATUS_LOG)
    page.click(".poser-send")
    page.wait_for_function(
        "document.querySelector('.poser-status').textContent.startsWith('Check your email')", timeout=30_000
    )
    said = page.evaluate("window.__said")
    assert any(re.match(r"Uploading… \d+%", s) for s in said), said
    assert page.eval_on_selector(".poser-progress", "e => e.value") == 100  # the whole clip went up
    shot(page, "02-check-your-email")
    with stack["factory"]() as session:
        analysis = queries.get_analysis(session=session, analysis_id=_analysis_id(session))
        assert analysis.status == "awaiting_confirmation"
        assert analysis.trim_end_seconds == pytest.approx(clip.trim_end_s)
        drawn = [analysis.bbox_x1, analysis.bbox_y1, analysis.bbox_x2, analysis.bbox_y2]
        assert drawn == pytest.approx(list(clip.box), abs=2 / scale + 1)  # the box the mouse drew, in clip px

    message = stack["smtp"].received[-1][2]
    link = re.search(r"http://\S+/api/embed/confirm\?token=[\w-]+", message.get_body(("plain",)).get_content())
    mail = browser.new_page(viewport={"width": 800, "height": 600})
    mail.goto(link.group(0))
    shot(mail, "03-confirm-page")
    assert stack["finished"] == [] and "already" not in mail.content()
    mail.click("text=Confirm and start the analysis")
    mail.wait_for_selector("#results-link")
    shot(mail, "04-confirmed")

    page.wait_for_selector(".poser-score", timeout=150_000)  # the widget polls status until the results
    shot(page, "05-results-in-widget")
    summary = page.inner_text(".poser-results")
    assert re.search(r"Edge similarity (\d+|–) / 100", summary), summary
    if clip.name == "real":  # a real skier: turns and a score
        assert re.search(r"Edge similarity \d+ / 100", summary), summary
        assert re.search(r"Turn \d+ \((left|right)\): \d+", summary), summary
    assert stack["finished"], "the worker did not finish the run"

    mail.click("#results-link")
    mail.wait_for_load_state()
    assert "Your ski technique results" in mail.content() and "/ 100" in mail.inner_text("#edge-similarity-run")
    mail.wait_for_function("document.querySelector('video') && document.querySelector('video').readyState >= 1")
    shot(mail, "06-results-page")
    assert errors == []


def _analysis_id(session) -> uuid.UUID:
    from sqlalchemy import select

    from db.models import Analysis

    return session.scalar(select(Analysis.id).order_by(Analysis.created_at.desc()).limit(1))


def test_the_widget_refuses_a_site_that_is_not_allowed(stack, browser):
    page = browser.new_page(viewport={"width": 900, "height": 600})
    page.goto(stack["refused"])
    page.wait_for_selector(".poser-refused", timeout=15_000)
    notice = page.inner_text(".poser-status")
    assert "not allowed to use the Poser" in notice and page.is_hidden(".poser-file")
    _shot(page, "07-refused-origin")


def test_the_react_snippet_renders_the_widget(stack, browser):
    """The copy-paste React component's effect, run on a page of the allowed site, shows the form."""
    page = browser.new_page(viewport={"width": 900, "height": 600})
    page.goto(stack["allowed"].replace("index.html", "react.html"))
    page.wait_for_selector("#poser-widget .poser-file", state="visible", timeout=15_000)
    assert page.locator("#poser-widget .poser-refused").count() == 0
