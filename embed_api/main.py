"""The FastAPI sidecar: public, embed and internal endpoints (``/docs`` serves the OpenAPI schema).

Build it with :func:`create_app`; ``uvicorn embed_api.main:app`` serves the
default one from the environment's settings.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from embed_api.routes import internal


def create_app(*, session_factory: sessionmaker[Session], internal_token: str) -> FastAPI:
    """The sidecar app over one database; ``internal_token`` guards ``/api/internal``."""
    if not internal_token:
        raise ValueError("an internal token is required (POSER_INTERNAL_TOKEN)")
    app = FastAPI(title="Poser API", version="0.1.0")
    app.state.session_factory = session_factory
    app.state.internal_token = internal_token
    app.include_router(internal.router)
    return app
