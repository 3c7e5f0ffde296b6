"""Embed routes without a partner: the emailed confirmation page, results by results token, the widget files.

The confirmation link is opened twice in practice: mail scanners prefetch it, then the skier clicks.
So ``GET /api/embed/confirm`` only shows a button; the button's ``POST`` (same URL) uses the token
and queues the run. ``GET /api/embed/results/{token}`` answers JSON to API clients and a page to
browsers (``Accept: text/html``).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

from embed_api import pages
from embed_api.deps import SessionFactoryDep
from embed_api.routes.embed import ResultsOut
from services import embed, embed_results, partners

STATIC = Path(__file__).resolve().parents[1] / "static"
_CONFIRM_STATUS = {"unknown": 404, "used": 409, "not_waiting": 409, "expired": 410}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_ERROR = {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}

router = APIRouter(tags=["embed"])


def _api_url(request: Request) -> str:
    return getattr(request.app.state, "api_url", None) or str(request.base_url).rstrip("/")


def _html(page: pages.Page) -> HTMLResponse:
    return HTMLResponse(page.body, status_code=page.status_code, headers=page.headers)


def _refused(exc: embed.EmbedError) -> HTMLResponse:
    code = _CONFIRM_STATUS.get(exc.reason, status.HTTP_400_BAD_REQUEST)
    return _html(pages.message_page("Link not valid", str(exc), status_code=code))


@router.get(
    "/api/embed/confirm",
    response_class=HTMLResponse,
    responses={404: {"content": _HTML}, 409: {"content": _HTML}, 410: {"content": _HTML}},
)
def confirm_page(token: str, factory: SessionFactoryDep) -> HTMLResponse:
    """The emailed link: a page with a "Confirm and start the analysis" button (nothing is queued by a GET)."""
    try:
        with factory() as session:
            analysis = embed.check_confirmation(session=session, token=token)
            filename = analysis.filename
    except embed.EmbedError as exc:
        return _refused(exc)
    action = "?" + urlencode({"token": token})  # relative: the same path, whatever host or prefix served it
    return _html(pages.confirm_form_page(action_url=action, filename=filename))


@router.post(
    "/api/embed/confirm",
    response_class=HTMLResponse,
    responses={404: {"content": _HTML}, 409: {"content": _HTML}, 410: {"content": _HTML}},
)
def confirm(token: str, request: Request, factory: SessionFactoryDep) -> HTMLResponse:
    """The confirm button (a form POST): uses the token once and queues the analysis."""
    try:
        with factory.begin() as session:
            done = embed.confirm(session=session, token=token, secret_key=request.app.state.secret_key)
    except embed.EmbedError as exc:
        return _refused(exc)
    request.app.state.queue_run(done.run_id)  # after the commit: the worker must find the queued row
    results_url = f"{_api_url(request)}/api/embed/results/{done.results_token}"
    href = html.escape(results_url, quote=True)
    link = f"<p><a id='results-link' href='{href}'>See your results</a> (ready in a few minutes).</p>"
    text = "Your clip is confirmed and queued for analysis. The page you came from shows the progress too."
    return _html(pages.message_page("Confirmed", text, extra_html=link))


@router.get(
    "/api/embed/results/{token}",
    response_model=ResultsOut,
    responses={
        200: {"content": _HTML},
        404: {"description": "no results for this token", "content": {**_ERROR, **_HTML}},
    },
)
def results(
    token: str, request: Request, factory: SessionFactoryDep, accept: Annotated[str | None, Header()] = None
) -> Any:
    """Status and, when ready, the edge-similarity summary: JSON, or a page for browsers (``Accept: text/html``)."""
    secret = request.app.state.secret_key
    as_page = pages.wants_html(accept)
    try:
        with factory() as session:
            if not as_page:
                return embed_results.results(session=session, token=token, secret_key=secret)
            view = embed_results.results_view(session=session, token=token, secret_key=secret)
    except embed.EmbedNotFoundError as exc:
        if as_page:
            return _html(pages.message_page("No results here", str(exc), status_code=404))
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    storage = request.app.state.storage
    video_url = (
        storage.presign_download(view.overlay_key, expires_s=3600) if view.overlay_key and storage is not None else None
    )
    page = pages.results_page(
        view.results, video_url=video_url, partner_name=view.partner_name, partner_domains=view.partner_domains
    )
    return _html(page)


@router.get("/embed/widget.js", include_in_schema=False)
def widget_js() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js", media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
    )


@router.get("/embed/frame/{partner_slug}", response_class=HTMLResponse, include_in_schema=False)
def frame(partner_slug: str, factory: SessionFactoryDep) -> HTMLResponse:
    """The iframe page: only the partner's allowed domains may frame it (CSP ``frame-ancestors``)."""
    with factory() as session:
        partner = partners.active_partner(session=session, slug=partner_slug)
        if partner is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such partner")
        name, slug, domains = partner.name, partner.slug, list(partner.allowed_domains or [])
    page = (STATIC / "embed.html").read_text(encoding="utf-8")
    page = page.replace("{{partner_slug}}", html.escape(slug)).replace("{{partner_name}}", html.escape(name))
    ancestors = " ".join(["'self'", *domains])
    return HTMLResponse(page, headers={"Content-Security-Policy": f"frame-ancestors {ancestors}"})
