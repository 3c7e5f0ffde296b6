"""The embed HTML pages as pure functions: each run state, escaping, the security headers, Accept negotiation."""

from __future__ import annotations

import uuid

import pytest

from embed_api import pages

AID = uuid.uuid4()


def _results(**changes) -> dict:
    return {"analysis_id": AID, "status": "queued", "progress": None, "confirmed": False, "error": None} | changes


@pytest.mark.parametrize(
    ("results", "shown", "refreshes"),
    [
        (_results(status="awaiting_confirmation"), "open the link in the email", True),
        (_results(confirmed=True), "Analysing your clip: 0% (queued)", True),
        (_results(status="running", confirmed=True, progress={"stage": "pose", "percent": 42.4}), "42% (pose)", True),
        (_results(status="failed", confirmed=True, error="no <skier> found"), "failed: no &lt;skier&gt; found", False),
        (_results(status="uploading"), "not been submitted", False),
    ],
)
def test_results_page_states(results, shown, refreshes):
    page = pages.results_page(results, video_url=None, partner_name="Snow <Shop>", partner_domains=["a.example.com"])
    assert shown in page.body and "Snow &lt;Shop&gt;" in page.body
    assert ("http-equiv='refresh'" in page.body) is refreshes
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' a.example.com" in csp and "media-src" not in csp and "<script" not in page.body


def test_results_page_with_feedback_and_video():
    feedback = {
        "edge_similarity_run": 71.6,
        "edge_similarity_left": None,
        "edge_similarity_right": 80.0,
        "turns": [{"segment_index": 0, "direction": "right", "measurable": True, "edge_similarity": 80.0}],
    }
    page = pages.results_page(
        _results(status="succeeded", confirmed=True, feedback=feedback),
        video_url="https://bucket.s3.example.com/k/overlay.mp4?X-Amz-Signature=a&b=c",
        partner_name=None,
        partner_domains=[],
    )
    assert "72 / 100" in page.body and "Left turns: <strong>–</strong>" in page.body
    assert "<tr><td>1</td><td>right</td><td>yes</td><td class='n'>80</td></tr>" in page.body
    assert "src='https://bucket.s3.example.com/k/overlay.mp4?X-Amz-Signature=a&amp;b=c'" in page.body
    assert "media-src 'self' https://bucket.s3.example.com" in page.headers["Content-Security-Policy"]


def test_confirm_form_posts_back_and_cannot_be_framed():
    page = pages.confirm_form_page(action_url="?token=a'b", filename="<run>.mp4")
    assert "<form method='post' action='?token=a&#x27;b'>" in page.body and "&lt;run&gt;.mp4" in page.body
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("application/json, text/html", False),
        ("text/html, application/json", True),
    ],
)
def test_wants_html(accept, html):
    assert pages.wants_html(accept) is html
