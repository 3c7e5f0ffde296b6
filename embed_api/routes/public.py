"""Public endpoints: sign-in by code, and a person's own analyses and results.

Routers are thin: they parse, call ``services/``, and map its errors to HTTP
status codes (not found → 404, no results yet → 409, refused sign-in → 400/429).
"""

from __future__ import annotations

import html
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from embed_api.deps import SessionFactoryDep
from embed_api.schemas import (
    AnalysisOut,
    CodeRequestIn,
    CodeRequestOut,
    CodeVerifyIn,
    ConfirmUploadIn,
    ConfirmUploadOut,
    ContactIn,
    CreateUploadIn,
    CreateUploadOut,
    PresignedUploadOut,
    PromptIn,
    SessionOut,
)
from services import analyses, auth, email_change, uploads
from services.analyses import AnalysisStatus, ArtifactKind
from services.auth import User
from services.contact import ContactError

router = APIRouter(prefix="/api", tags=["public"])


def current_user(factory: SessionFactoryDep, authorization: Annotated[str | None, Header()] = None) -> User:
    """The signed-in user from ``Authorization: Bearer <session token>``, else 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    with factory() as session:
        user = auth.user_for_token(session=session, token=authorization[7:].strip())
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "your session has ended: sign in again")
        session.expunge(user)
        return user


CurrentUser = Annotated[User, Depends(current_user)]


@router.post("/auth/request-code", response_model=CodeRequestOut)
def request_code(body: CodeRequestIn, request: Request, factory: SessionFactoryDep) -> CodeRequestOut:
    try:
        with factory.begin() as session:
            auth.request_code(
                session=session,
                email=body.email,
                ip=request.client.host if request.client else None,
                secret_key=request.app.state.secret_key,
                deliver=request.app.state.send_code,
            )
    except auth.AuthError as exc:
        code = status.HTTP_429_TOO_MANY_REQUESTS if exc.reason == "rate_limited" else status.HTTP_400_BAD_REQUEST
        raise HTTPException(code, str(exc)) from exc
    return CodeRequestOut(message="If the address can receive email, a 6-digit code is on its way.")


@router.post("/auth/verify-code", response_model=SessionOut)
def verify_code(body: CodeVerifyIn, request: Request, factory: SessionFactoryDep) -> SessionOut:
    with factory.begin() as session:  # committed even when refused: wrong tries must count
        result = auth.verify_code(
            session=session, email=body.email, code=body.code, secret_key=request.app.state.secret_key
        )
        if result.error is None:
            return SessionOut(token=result.token, email=result.user.email, is_admin=result.user.is_admin)
    raise HTTPException(status.HTTP_400_BAD_REQUEST, {"reason": result.error.reason, "message": str(result.error)})


@router.post("/contact", status_code=202)
def contact(body: ContactIn, request: Request) -> dict[str, str]:
    """The contact form: emailed to the team."""
    desk = request.app.state.contact_desk
    try:
        desk.submit(
            name=body.name,
            email=body.email,
            message=body.message,
            client=request.client.host if request.client else "unknown",
        )
    except ContactError as exc:
        code = status.HTTP_429_TOO_MANY_REQUESTS if exc.rate_limited else status.HTTP_400_BAD_REQUEST
        raise HTTPException(code, str(exc)) from exc
    return {"message": "Thanks: we will answer by email."}


@router.post("/auth/change-email", status_code=202)
def change_email(
    body: CodeRequestIn, request: Request, user: CurrentUser, factory: SessionFactoryDep
) -> dict[str, str]:
    """Email a confirmation link to the new address; the change applies when it is opened."""
    try:
        with factory.begin() as session:
            email_change.request_email_change(
                session=session,
                user=session.merge(user),
                new_email=body.email,
                send_link=request.app.state.send_email_change,
            )
    except email_change.EmailChangeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return {"message": "A confirmation link is on its way to the new address."}


@router.get("/auth/confirm-email-change", response_class=HTMLResponse)
def confirm_email_change(token: str, factory: SessionFactoryDep) -> HTMLResponse:
    """The emailed link: applies the change and says so in a small page."""
    try:
        with factory.begin() as session:
            user = email_change.confirm_email_change(session=session, token=token)
            text = f"Your Poser email is now {html.escape(user.email)}."
    except email_change.EmailChangeError as exc:
        return HTMLResponse(f"<p>{html.escape(str(exc))}</p>", status_code=400)
    return HTMLResponse(f"<p>{text}</p>")


def _call(fn: Any, factory: Any, user: User, analysis_id: uuid.UUID) -> Any:
    try:
        with factory() as session:
            return fn(session=session, user=user, analysis_id=analysis_id)
    except analyses.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    except analyses.NoResultsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.post("/analyses/create-upload", response_model=CreateUploadOut, status_code=201)
def create_upload(body: CreateUploadIn, request: Request, user: CurrentUser, factory: SessionFactoryDep) -> Any:
    try:
        with factory.begin() as session:
            new = uploads.create_upload(
                session=session,
                storage=request.app.state.storage,
                user=user,
                filename=body.filename,
                size_bytes=body.size_bytes,
                content_type=body.content_type,
                max_bytes=request.app.state.max_upload_bytes,
            )
    except uploads.UploadError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    presigned = PresignedUploadOut(
        url=new.upload.url, method=new.upload.method, headers=new.upload.headers, expires_at=new.upload.expires_at
    )
    return CreateUploadOut(analysis_id=new.analysis_id, upload=presigned)


def _prompt_choice(request: Request, prompt: PromptIn) -> uploads.PromptChoice:
    return uploads.PromptChoice(
        box=prompt.bbox,
        trim_start_s=prompt.trim_start_seconds,
        trim_end_s=prompt.trim_end_seconds,
        click_normalized_time=prompt.click_normalized_time,
        max_window_s=request.app.state.max_window_s,
    )


def _submit_prompt(request: Request, factory: Any, user: User, analysis_id: uuid.UUID, prompt: PromptIn) -> Any:
    with factory.begin() as session:
        run_id = uploads.submit_prompt(
            session=session, user=user, analysis_id=analysis_id, prompt=_prompt_choice(request, prompt)
        )
    request.app.state.queue_run(run_id)  # after the commit: the worker must find the queued row
    return run_id


@router.post("/analyses/{analysis_id}/confirm-upload", response_model=ConfirmUploadOut)
def confirm_upload(
    analysis_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    factory: SessionFactoryDep,
    body: ConfirmUploadIn | None = None,
) -> Any:
    """Check the uploaded file is a video; with a ``prompt``, also pick the skier and queue the run."""
    try:
        info = uploads.confirm_upload(
            session_factory=factory,
            storage=request.app.state.storage,
            user=user,
            analysis_id=analysis_id,
            max_bytes=request.app.state.max_upload_bytes,
            prompt=_prompt_choice(request, body.prompt) if body and body.prompt else None,
        )
    except analyses.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    except uploads.UploadError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    run_id = info.pop("run_id", None)
    info.pop("storage_key")  # where the checked clip lives is the server's business
    if run_id is not None:
        request.app.state.queue_run(run_id)  # after the commit: the worker must find the queued row
    return ConfirmUploadOut(
        analysis_id=analysis_id,
        status=AnalysisStatus.QUEUED if run_id else AnalysisStatus.AWAITING_PROMPT,
        run_id=run_id,
        **info,
    )


@router.post("/analyses/{analysis_id}/prompt", status_code=202)
def submit_prompt(
    analysis_id: uuid.UUID, body: PromptIn, request: Request, user: CurrentUser, factory: SessionFactoryDep
) -> dict[str, Any]:
    """Pick the skier on a confirmed upload and queue the run."""
    try:
        run_id = _submit_prompt(request, factory, user, analysis_id, body)
    except analyses.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    except uploads.UploadError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return {"analysis_id": analysis_id, "run_id": run_id, "status": AnalysisStatus.QUEUED}


@router.get("/analyses", response_model=list[AnalysisOut])
def list_analyses(user: CurrentUser, factory: SessionFactoryDep) -> list[AnalysisOut]:
    with factory() as session:
        return [
            AnalysisOut.model_validate(a, from_attributes=True)
            for a in analyses.list_analyses(session=session, user=user)
        ]


@router.get("/analyses/{analysis_id}")
def get_analysis(analysis_id: uuid.UUID, user: CurrentUser, factory: SessionFactoryDep) -> dict[str, Any]:
    return _call(analyses.analysis_detail, factory, user, analysis_id)


@router.get("/analyses/{analysis_id}/turns")
def get_turns(analysis_id: uuid.UUID, user: CurrentUser, factory: SessionFactoryDep) -> dict[str, Any]:
    return _call(analyses.turns, factory, user, analysis_id)


@router.get("/analyses/{analysis_id}/edge-similarity")
def get_edge_similarity(analysis_id: uuid.UUID, user: CurrentUser, factory: SessionFactoryDep) -> dict[str, Any]:
    return _call(analyses.edge_similarity, factory, user, analysis_id)


@router.get("/analyses/{analysis_id}/download/{artifact_kind}", status_code=307)
def download(
    analysis_id: uuid.UUID, artifact_kind: ArtifactKind, request: Request, user: CurrentUser, factory: SessionFactoryDep
) -> RedirectResponse:
    """Redirect to a short-lived signed URL of one result file."""
    try:
        with factory() as session:
            key, filename = analyses.artifact_download(
                session=session, user=user, analysis_id=analysis_id, kind=artifact_kind.value
            )
    except analyses.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except analyses.NoResultsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return RedirectResponse(request.app.state.storage.presign_download(key, expires_s=600, filename=filename), 307)


@router.delete("/analyses/{analysis_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_analysis(analysis_id: uuid.UUID, request: Request, user: CurrentUser, factory: SessionFactoryDep) -> None:
    try:
        with factory.begin() as session:
            keys = analyses.delete_analysis(session=session, user=user, analysis_id=analysis_id)
    except analyses.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    storage = getattr(request.app.state, "storage", None)
    if storage is not None and keys:
        storage.delete(keys)  # after the commit: rows first, so a failure here leaves only orphan files
