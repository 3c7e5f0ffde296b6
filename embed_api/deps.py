"""Dependencies shared by the routers: the database session factory and the internal-token check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from services.composition import SessionFactory


def get_session_factory(request: Request) -> SessionFactory:
    return request.app.state.session_factory


def require_internal_token(request: Request, x_internal_token: Annotated[str | None, Header()] = None) -> None:
    """Machines only: the ``X-Internal-Token`` header must match (compared in constant time)."""
    expected: str = request.app.state.internal_token
    if x_internal_token is None or not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-Internal-Token")


SessionFactoryDep = Annotated[SessionFactory, Depends(get_session_factory)]
InternalTokenDep = Depends(require_internal_token)
