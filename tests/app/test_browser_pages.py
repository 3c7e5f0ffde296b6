"""Every signed-in page in Chromium with finished runs in the database: screenshots for a person to read.

Two runs of the synthetic skier (before / after "coaching") are written as the worker writes them;
an admin signs in with the mailed code and walks My analyses → Results → Compare → Admin; a
signed-out visitor opens a share link. Screenshots land in ``test-artifacts/pages/``.
"""

from __future__ import annotations

from sqlalchemy import update

from app import sharing
from db.models import User
from poser_pipeline.synthetic.skier import SkierParams
from tests.app.conftest import REPO, latest_code, seed_synthetic_run
from tests.app.test_browser import browser_page, studio_url  # noqa: F401 (fixtures)

EMAIL = "coach@example.com"


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def _tall(page, height_px: int = 4200) -> None:
    """Streamlit scrolls inside its main block, so a full-page shot needs a tall window instead."""
    page.set_viewport_size({"width": 1400, "height": height_px})
    page.wait_for_timeout(1500)  # charts re-layout to the new size


def test_every_page_with_results_in_chromium(studio_url, browser_page, svc):  # noqa: F811 (fixtures)
    before = seed_synthetic_run(svc, EMAIL, params=SkierParams(inside_delay_s=0.15, seed=1), filename="before.mp4")
    seed_synthetic_run(svc, EMAIL, params=SkierParams(inside_delay_s=0.0, seed=2), filename="after.mp4")
    with svc.factory.begin() as session:
        session.execute(update(User).where(User.email == EMAIL).values(is_admin=True))
        owner = session.query(User).filter_by(email=EMAIL).one()
        session.expunge(owner)
    shots = REPO / "test-artifacts" / "pages"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser_page

    page.goto(studio_url, wait_until="domcontentloaded")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_text("We sent a 6-digit code").wait_for(timeout=15_000)
    page.get_by_label("Code").fill(latest_code(svc.settings.mail_log, EMAIL))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="New analysis").wait_for(timeout=15_000)

    page.get_by_role("link", name="My analyses").first.click()
    page.get_by_text("before.mp4").first.wait_for(timeout=15_000)
    _no_exception(page)
    page.screenshot(path=str(shots / "my-analyses.png"), full_page=True)
    page.get_by_role("button", name="Open").last.click()  # newest first: the last row is "before"
    page.get_by_role("heading", name="Results").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").nth(4).wait_for(timeout=30_000)
    _no_exception(page)
    assert page.get_by_text("before.mp4").count() >= 1
    _tall(page)
    page.screenshot(path=str(shots / "results.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1100})

    page.get_by_role("link", name="Compare").first.click()
    page.get_by_role("heading", name="Compare").wait_for(timeout=15_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    _no_exception(page)
    _tall(page, 2400)
    page.screenshot(path=str(shots / "compare.png"), full_page=True)

    page.get_by_role("link", name="Admin").first.click()
    page.get_by_role("heading", name="Admin").wait_for(timeout=15_000)
    page.get_by_text(EMAIL).first.wait_for(timeout=15_000)
    _no_exception(page)
    page.screenshot(path=str(shots / "admin.png"), full_page=True)

    url = sharing.create_link(svc, owner, before)
    visitor = page.context.browser.new_page(viewport={"width": 1400, "height": 1100})
    visitor.goto(f"{studio_url}/?share={url.rsplit('share=', 1)[1]}", wait_until="domcontentloaded")
    visitor.get_by_role("heading", name="Shared results").wait_for(timeout=30_000)
    visitor.locator(".js-plotly-plot").nth(4).wait_for(timeout=30_000)
    _no_exception(visitor)
    assert visitor.get_by_text(EMAIL).count() == 0
    _tall(visitor)
    visitor.screenshot(path=str(shots / "shared.png"), full_page=True)
