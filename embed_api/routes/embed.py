"""Embed endpoints: the partner widget's API, the emailed confirmation link, results by token, the widget files.

Every ``/api/embed/{partner_slug}/…`` route runs :func:`embed_partner` first: an unknown or inactive
partner is 404; a request whose ``Origin`` (else ``Referer``) is not in the partner's allowed domains
is 403. The sidecar's own origin is accepted too: that is the hosted iframe page, which only allowed
sites may frame (``Content-Security-Policy: frame-ancestors``). CORS headers are added here, per
route, and only for an allowed ``Origin`` (preflights included), so no app-wide middleware is needed.

Analysis-scoped routes also need the analysis's results token in ``X-Results-Token``. The routes
without a partner (the confirmation and results pages, the widget files) are in :mod:`.embed_pages`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from embed_api.deps import SessionFactoryDep
from embed_api.schemas import PresignedUploadOut, PromptIn
from services import analyses, embed, embed_results, partners
from services.mail import MailError, Message
from services.partners import Partner

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
    edge_similarity_interval: list[float] | None = None


class FeedbackOut(BaseModel):
    analysis_id: uuid.UUID
    filename: str | None
    status: str
    run_id: uuid.UUID
    edge_similarity_run: float | None
    edge_similarity_left: float | None
    edge_similarity_right: float | None
    edge_similarity_run_interval: list[float] | None = None
    edge_similarity_left_interval: list[float] | None = None
    edge_similarity_right_interval: list[float] | None = None
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
                client=request.client.host if request.client else None,
                client_limiter=request.app.state.embed_client_limiter,
                per_partner_per_hour=request.app.state.embed_submissions_per_partner_per_hour,
            )
    except embed.EmbedError as exc:
        code = status.HTTP_429_TOO_MANY_REQUESTS if exc.reason == "rate_limited" else status.HTTP_400_BAD_REQUEST
        raise HTTPException(code, {"reason": exc.reason, "message": str(exc)}) from exc
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
    return _analysis(factory, partner, analysis_id, token, _secret(request), embed_results.status)


@router.get("/api/embed/{partner_slug}/feedback/{analysis_id}", response_model=FeedbackOut)
def feedback(
    analysis_id: uuid.UUID,
    partner: PartnerDep,
    request: Request,
    factory: SessionFactoryDep,
    token: ResultsTokenHeader = None,
) -> Any:
    """The edge-similarity summary (409 until a run has succeeded)."""
    return _analysis(factory, partner, analysis_id, token, _secret(request), embed_results.feedback)
