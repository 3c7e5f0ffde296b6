"""Embed endpoints: the partner widget's API, the emailed confirmation link, results by token, the widget files.

Every ``/api/embed/{partner_slug}/…`` route runs :func:`embed_partner` first: an unknown or inactive
partner is 404; a request whose ``Origin`` (else ``Referer``) is not in the partner's allowed domains
is 403. The sidecar's own origin is accepted too: that is the hosted iframe page, which only allowed
sites may frame (``Content-Security-Policy: frame-ancestors``). CORS headers are added here, per
route, and only for an allowed ``Origin`` (preflights included), so no app-wide middleware is needed.

Analysis-scoped routes also need the analysis's results token in ``X-Results-Token``.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from db.models import Partner
from embed_api.deps import SessionFactoryDep
from embed_api.schemas import PresignedUploadOut, PromptIn
from services import analyses, embed, partners
from services.mail import MailError, Message

STATIC = Path(__file__).resolve().parents[1] / "static"
CORS_ALLOW_HEADERS = "Content-Type, X-Results-Token"


class _CorsRoute(APIRoute):
    """Adds ``Access-Control-Allow-Origin`` for the origin :func:`embed_partner` allowed, errors included."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPException as exc:
                response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
            except RequestValidationError as exc:
                response = JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
            origin = getattr(request.state, "cors_origin", None)
            if origin:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Expose-Headers"] = "Content-Type"
            response.headers.setdefault("Vary", "Origin")
            return response

        return with_cors


router = APIRouter(tags=["embed"], route_class=_CorsRoute)


# --- bodies ---------------------------------------------------------------------------------------


class ConfigOut(BaseModel):
    name: str
    slug: str
    max_upload_bytes: int
    max_window_s: float
    powered_by: str = "Poser"


class SubmitIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    filename: str = Field(min_length=1, max_length=512)
    size_bytes: int = Field(gt=0)
    content_type: str = Field(max_length=128)


class SubmitOut(BaseModel):
    analysis_id: uuid.UUID
    results_token: str
    upload: PresignedUploadOut


class UploadCompleteIn(BaseModel):
    analysis_id: uuid.UUID
    prompt: PromptIn


class UploadCompleteOut(BaseModel):
    analysis_id: uuid.UUID
    status: str
    duration_s: float | None
    fps: float | None
    width: int | None
    height: int | None
    message: str = "Check your email: open the link we sent to start the analysis."


class StatusOut(BaseModel):
    analysis_id: uuid.UUID
    status: str
    progress: dict[str, Any] | None
    confirmed: bool
    results_ready: bool
    error: str | None = None


class TurnScoreOut(BaseModel):
    segment_index: int
    direction: str
    measurable: bool | None = None
    edge_similarity: float | None = None


class FeedbackOut(BaseModel):
    analysis_id: uuid.UUID
    filename: str | None
    status: str
    run_id: uuid.UUID
    edge_similarity_run: float | None
    edge_similarity_left: float | None
    edge_similarity_right: float | None
    turns: list[TurnScoreOut]


class ResultsOut(StatusOut):
    feedback: FeedbackOut | None = None


# --- the partner check ----------------------------------------------------------------------------


def _own_hosts(request: Request) -> set[str | None]:
    hosts = {partners.origin_host(str(request.base_url))}
    api_url = getattr(request.app.state, "api_url", None)
    if api_url:
        hosts.add(partners.origin_host(api_url))
    hosts.discard(None)
    return hosts


def embed_partner(
    partner_slug: str,
    request: Request,
    factory: SessionFactoryDep,
    origin: Annotated[str | None, Header()] = None,
    referer: Annotated[str | None, Header()] = None,
) -> Partner:
    """The active partner of the URL, if the request comes from one of its allowed domains (else 404 / 403)."""
    with factory() as session:
        partner = partners.active_partner(session=session, slug=partner_slug)
        if partner is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such partner")
        session.expunge(partner)
    source = origin or referer
    if not (partners.origin_allowed(partner, source) or partners.origin_host(source) in _own_hosts(request)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this site may not use this widget")
    if origin:
        request.state.cors_origin = origin
    return partner


PartnerDep = Annotated[Partner, Depends(embed_partner)]
ResultsTokenHeader = Annotated[str | None, Header(alias="X-Results-Token")]


def _secret(request: Request) -> str:
    return request.app.state.secret_key


def _send(request: Request) -> Callable[[Message], None]:
    send = getattr(request.app.state, "send_message", None)
    return send if send is not None else (lambda message: print(message.text, flush=True))


def _api_url(request: Request) -> str:
    return getattr(request.app.state, "api_url", None) or str(request.base_url).rstrip("/")


def _analysis(factory: Any, partner: Partner, analysis_id: uuid.UUID, token: str | None, secret: str, read: Any) -> Any:
    try:
        with factory() as session:
            analysis = embed.partner_analysis(
                session=session, partner=partner, analysis_id=analysis_id, token=token, secret_key=secret
            )
            return read(session=session, analysis=analysis)
    except embed.EmbedNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    except analyses.NoResultsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


# --- routes without a partner (registered first: "confirm" and "results" are reserved slugs) ---------


_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
    "content='width=device-width,initial-scale=1'><title>{title}</title></head><body style='font-family:"
    "system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem'><h1>{title}</h1><p>{text}</p>"
    "{extra}<p style='color:#888;font-size:.8rem'>Powered by Poser</p></body></html>"
)
_CONFIRM_STATUS = {"unknown": 404, "used": 409, "not_waiting": 409, "expired": 410}


@router.get("/api/embed/confirm", response_class=HTMLResponse)
def confirm(token: str, request: Request, factory: SessionFactoryDep) -> HTMLResponse:
    """The emailed link: queues the analysis and says so (or why not) in a small page."""
    try:
        with factory.begin() as session:
            done = embed.confirm(session=session, token=token, secret_key=_secret(request))
    except embed.EmbedError as exc:
        page = _PAGE.format(title="Link not valid", text=html.escape(str(exc)), extra="")
        return HTMLResponse(page, status_code=_CONFIRM_STATUS.get(exc.reason, 400))
    request.app.state.dispatch(done.run_id)  # after the commit: the worker must find the queued row
    results_url = f"{_api_url(request)}/api/embed/results/{done.results_token}"
    extra = f"<p><a href='{html.escape(results_url)}'>Your results</a> (ready in a few minutes).</p>"
    text = "Your clip is confirmed and queued for analysis. You can close this page."
    return HTMLResponse(_PAGE.format(title="Confirmed", text=text, extra=extra))


@router.get("/api/embed/results/{token}", response_model=ResultsOut)
def results(token: str, request: Request, factory: SessionFactoryDep) -> Any:
    """Status and, when ready, the edge-similarity summary of the analysis the token grants."""
    try:
        with factory() as session:
            return embed.results(session=session, token=token, secret_key=_secret(request))
    except embed.EmbedNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


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


# --- partner routes -------------------------------------------------------------------------------


@router.options("/api/embed/{partner_slug}/{rest:path}", include_in_schema=False)
def preflight(partner: PartnerDep, rest: str) -> Response:
    """CORS preflight: allowed origins only (the origin header is added by the route class)."""
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
            "Access-Control-Max-Age": "600",
        },
    )


@router.get("/api/embed/{partner_slug}/config", response_model=ConfigOut)
def config(partner: PartnerDep, request: Request) -> ConfigOut:
    return ConfigOut(
        name=partner.name,
        slug=partner.slug,
        max_upload_bytes=request.app.state.max_upload_bytes,
        max_window_s=request.app.state.max_window_s,
    )


@router.post("/api/embed/{partner_slug}/submit", response_model=SubmitOut, status_code=201)
def submit(body: SubmitIn, partner: PartnerDep, request: Request, factory: SessionFactoryDep) -> SubmitOut:
    """Start an analysis for the skier's email and return where to PUT the clip (and the results token)."""
    try:
        with factory.begin() as session:
            new = embed.submit(
                session=session,
                storage=request.app.state.storage,
                partner=partner,
                email=body.email,
                filename=body.filename,
                size_bytes=body.size_bytes,
                content_type=body.content_type,
                max_bytes=request.app.state.max_upload_bytes,
                secret_key=_secret(request),
            )
    except embed.EmbedError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, {"reason": exc.reason, "message": str(exc)}) from exc
    upload = PresignedUploadOut(
        url=new.upload.url, method=new.upload.method, headers=new.upload.headers, expires_at=new.upload.expires_at
    )
    return SubmitOut(analysis_id=new.analysis_id, results_token=new.results_token, upload=upload)


_UPLOAD_COMPLETE_STATUS = {"not_waiting": status.HTTP_409_CONFLICT, "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS}


@router.post("/api/embed/{partner_slug}/upload-complete", response_model=UploadCompleteOut)
def upload_complete(
    body: UploadCompleteIn,
    partner: PartnerDep,
    request: Request,
    factory: SessionFactoryDep,
    token: ResultsTokenHeader = None,
) -> Any:
    """Check the uploaded clip, record the box and trim window, and email the confirmation link."""
    state = request.app.state
    try:
        return embed.upload_complete(
            session_factory=factory,
            storage=state.storage,
            partner=partner,
            analysis_id=body.analysis_id,
            token=token,
            secret_key=_secret(request),
            box=body.prompt.bbox,
            trim_start_s=body.prompt.trim_start_seconds,
            trim_end_s=body.prompt.trim_end_seconds,
            click_normalized_time=body.prompt.click_normalized_time,
            max_bytes=state.max_upload_bytes,
            max_window_s=state.max_window_s,
            api_url=_api_url(request),
            send=_send(request),
        )
    except embed.EmbedNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    except embed.EmbedError as exc:
        code = _UPLOAD_COMPLETE_STATUS.get(exc.reason, status.HTTP_400_BAD_REQUEST)
        raise HTTPException(code, {"reason": exc.reason, "message": str(exc)}) from exc
    except MailError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "the confirmation email could not be sent: try again") from exc


@router.get("/api/embed/{partner_slug}/status/{analysis_id}", response_model=StatusOut)
def analysis_status(
    analysis_id: uuid.UUID,
    partner: PartnerDep,
    request: Request,
    factory: SessionFactoryDep,
    token: ResultsTokenHeader = None,
) -> Any:
    return _analysis(factory, partner, analysis_id, token, _secret(request), embed.status)


@router.get("/api/embed/{partner_slug}/feedback/{analysis_id}", response_model=FeedbackOut)
def feedback(
    analysis_id: uuid.UUID,
    partner: PartnerDep,
    request: Request,
    factory: SessionFactoryDep,
    token: ResultsTokenHeader = None,
) -> Any:
    """The edge-similarity summary (409 until a run has succeeded)."""
    return _analysis(factory, partner, analysis_id, token, _secret(request), embed.feedback)
