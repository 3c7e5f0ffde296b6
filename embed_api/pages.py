"""The small HTML pages embed skiers see: the confirmation page and the results page.

Pure functions from data to a page and its ``Content-Security-Policy``; no external assets (styles
inline, no scripts), so the policy can forbid everything else. A page still waiting for a run
refreshes itself with ``<meta http-equiv="refresh">`` (no script needed).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from poser_pipeline.metrics.uncertainty import half_width

#: Seconds between reloads of a results page whose run is not finished.
REFRESH_S = 5
_STYLE = (
    "body{font:16px/1.45 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}"
    "h1{font-size:1.5rem}.score{font-size:2.6rem;font-weight:700;margin:.2rem 0}.muted{color:#667;font-size:.85rem}"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #dde;padding:.35rem .5rem;"
    "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}progress{width:100%}"
    "video{width:100%;max-height:70vh;background:#000;border-radius:6px}"
    "button{font:inherit;font-weight:600;padding:.7rem 1.3rem;border:0;border-radius:6px;background:#0b63ce;"
    "color:#fff;cursor:pointer}.error{color:#a4000f}.sides{display:flex;gap:2rem}"
)


@dataclass(frozen=True)
class Page:
    """An HTML page, its status code and its security headers."""

    body: str
    status_code: int = 200
    headers: dict[str, str] | None = None


def _csp(*, frame_ancestors: str, media: str = "", form: bool = False) -> str:
    parts = ["default-src 'none'", "style-src 'unsafe-inline'", "img-src data:", "base-uri 'none'"]
    if media:
        parts.append(f"media-src {media}")
    parts.append("form-action 'self'" if form else "form-action 'none'")
    parts.append(f"frame-ancestors {frame_ancestors}")
    return "; ".join(parts)


def _layout(title: str, body: str, *, refresh_s: int | None = None) -> str:
    refresh = f"<meta http-equiv='refresh' content='{refresh_s}'>" if refresh_s else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"{refresh}<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}<p class='muted'>Powered by Poser</p></body></html>"
    )


def message_page(title: str, text: str, *, status_code: int = 200, extra_html: str = "") -> Page:
    """A page with one message (escaped) and optional trusted HTML after it; it may not be framed."""
    body = f"<p>{html.escape(text)}</p>{extra_html}"
    return Page(_layout(title, body), status_code, {"Content-Security-Policy": _csp(frame_ancestors="'none'")})


def confirm_form_page(*, action_url: str, filename: str | None) -> Page:
    """The page the emailed link opens: a button that POSTs to ``action_url`` (only the POST queues the run).

    It may not be framed (``frame-ancestors 'none'``): a framed button could be clicked by trickery.
    """
    clip = f" of <strong>{html.escape(filename)}</strong>" if filename else ""
    body = (
        f"<p>Press the button to start the analysis{clip}. It takes a few minutes; "
        "you can follow it on the page you came from.</p>"
        f"<form method='post' action='{html.escape(action_url, quote=True)}'>"
        "<button type='submit'>Confirm and start the analysis</button></form>"
        "<p class='muted'>If you did not submit a clip, close this page: nothing will be analysed.</p>"
    )
    csp = _csp(frame_ancestors="'none'", form=True)
    return Page(_layout("Confirm your analysis", body), headers={"Content-Security-Policy": csp})


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _pm(interval: list[float] | None) -> str:
    """`` ± 6`` for an interval (half its width), empty without one."""
    return "" if not interval else f" ± {half_width(interval):.0f}"


def _summary(feedback: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{t['segment_index'] + 1}</td><td>{html.escape(str(t['direction']))}</td>"
        f"<td>{'yes' if t.get('measurable') else 'no'}</td>"
        f"<td class='n'>{_num(t.get('edge_similarity'))}{_pm(t.get('edge_similarity_interval'))}</td></tr>"
        for t in feedback["turns"]
    )
    table = (
        "<table><thead><tr><th>Turn</th><th>Direction</th><th>Measurable</th><th>Edge similarity</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else "<p>No turns were found in this clip.</p>"
    )
    return (
        "<p>Edge similarity compares how your two skis tip onto their edges from one turn's start to its apex "
        "(0–100; higher means the skis work together).</p>"
        f"<p class='score' id='edge-similarity-run'>{_num(feedback['edge_similarity_run'])} / 100"
        f"<span class='muted'>{_pm(feedback.get('edge_similarity_run_interval'))}</span></p>"
        f"<div class='sides'><p>Left turns: <strong>{_num(feedback['edge_similarity_left'])}</strong>"
        f"{_pm(feedback.get('edge_similarity_left_interval'))}</p>"
        f"<p>Right turns: <strong>{_num(feedback['edge_similarity_right'])}</strong>"
        f"{_pm(feedback.get('edge_similarity_right_interval'))}</p></div>"
        "<p class='muted'>± shows how far the measurement noise seen in this clip can move a score "
        "(a 90 % interval).</p>"
        f"<h2>Per turn</h2>{table}"
    )


def results_page(
    results: dict[str, Any], *, video_url: str | None, partner_name: str | None, partner_domains: list[str]
) -> Page:
    """The results page: the summary and the overlay video, or the run's state (refreshing until it ends).

    The partner's allowed domains (and the sidecar itself) may frame it; media may come from the
    storage URL's origin only.
    """
    state = results["status"]
    feedback = results.get("feedback")
    refresh: int | None = None
    if feedback:
        video = (
            f"<h2>Your run with the pose overlay</h2><video controls playsinline preload='metadata' "
            f"src='{html.escape(video_url, quote=True)}'></video>"
            if video_url
            else ""
        )
        body = _summary(feedback) + video
    elif state == "failed":
        error = results.get("error") or "unknown reason"
        body = f"<p class='error' id='failed'>The analysis failed: {html.escape(error)}</p>"
    elif results.get("confirmed"):
        progress = results.get("progress") or {}
        percent = float(progress.get("percent") or 0.0)
        stage = html.escape(str(progress.get("stage") or state))
        body = (
            f"<p id='in-progress'>Analysing your clip: {percent:.0f}% ({stage}). This page refreshes itself.</p>"
            f"<progress max='100' value='{percent:.0f}'></progress>"
        )
        refresh = REFRESH_S
    elif state == "awaiting_confirmation":
        body = "<p id='in-progress'>Waiting for you to confirm: open the link in the email we sent you.</p>"
        refresh = REFRESH_S
    else:
        body = "<p>This clip has not been submitted for analysis yet.</p>"
    where = f" via {html.escape(partner_name)}" if partner_name else ""
    body += f"<p class='muted'>Analysis {html.escape(str(results['analysis_id']))}{where}.</p>"
    ancestors = " ".join(["'self'", *partner_domains])
    media = ""
    if video_url:
        parts = urlsplit(video_url)
        media = f"'self' {parts.scheme}://{parts.netloc}" if parts.netloc else "'self'"
    csp = _csp(frame_ancestors=ancestors, media=media)
    return Page(
        _layout("Your ski technique results", body, refresh_s=refresh), headers={"Content-Security-Policy": csp}
    )


def wants_html(accept: str | None) -> bool:
    """Whether an ``Accept`` header prefers HTML to JSON (browsers send ``text/html`` first; API clients don't)."""
    if not accept:
        return False
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if "text/html" not in kinds:
        return False
    return "application/json" not in kinds or kinds.index("text/html") < kinds.index("application/json")
