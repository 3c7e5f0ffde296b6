"""The FastAPI sidecar: public, embed and internal endpoints (``/docs`` serves the OpenAPI schema).

Build it with :func:`create_app`; ``uvicorn embed_api.main:app`` serves the
default one from the environment's settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from embed_api.routes import internal, public


def _print_code(email: str, code: str) -> None:
    print(f"sign-in code for {email}: {code}", flush=True)


def create_app(
    *,
    session_factory: sessionmaker[Session],
    internal_token: str,
    secret_key: str = "dev-secret-change-me",
    send_code: Callable[[str, str], None] = _print_code,
    storage: Any = None,
) -> FastAPI:
    """The sidecar app over one database.

    ``internal_token`` guards ``/api/internal``; ``secret_key`` keys sign-in
    codes; ``send_code(email, code)`` delivers them (the mailer in production);
    ``storage`` deletes a deleted analysis's files.
    """
    if not internal_token:
        raise ValueError("an internal token is required (POSER_INTERNAL_TOKEN)")
    app = FastAPI(title="Poser API", version="0.1.0")
    app.state.session_factory = session_factory
    app.state.internal_token = internal_token
    app.state.secret_key = secret_key
    app.state.send_code = send_code
    app.state.storage = storage
    app.include_router(public.router)
    app.include_router(internal.router)
    return app
