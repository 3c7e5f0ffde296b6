"""Public endpoints: sign-in by code, and a person's own analyses and results.

Routers are thin: they parse, call ``services/``, and map its errors to HTTP
status codes (not found → 404, no results yet → 409, refused sign-in → 400/429).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status

from db.models import User
from embed_api.deps import SessionFactoryDep
from embed_api.schemas import AnalysisOut, CodeRequestIn, CodeRequestOut, CodeVerifyIn, SessionOut
from services import analyses, auth

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


def _call(fn: Any, factory: Any, user: User, analysis_id: uuid.UUID) -> Any:
    try:
        with factory() as session:
            return fn(session=session, user=user, analysis_id=analysis_id)
    except analyses.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such analysis") from exc
    except analyses.NoResultsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


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
