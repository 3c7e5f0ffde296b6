"""The FastAPI sidecar: public, embed and internal endpoints (``/docs`` serves the OpenAPI schema).

Build it with :func:`create_app`; ``uvicorn embed_api.main:app`` serves the
default one from the environment's settings.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from embed_api.body_limit import MAX_JSON_BODY_BYTES, BodyLimit
from embed_api.routes import embed, embed_pages, internal, public
from embed_api.routes import storage as storage_routes
from services import embed as embed_service
from services.composition import SessionFactory
from services.contact import ContactDesk
from services.dispatch import queue_run
from services.mail import Message
from services.rate_limit import RateLimiter
from services.storage import Storage


def _print_code(email: str, code: str) -> None:
    print(f"sign-in code for {email}: {code}", flush=True)


def create_app(
    *,
    session_factory: SessionFactory,
    internal_token: str,
    secret_key: str = "dev-secret-change-me",
    send_code: Callable[[str, str], None] = _print_code,
    storage: Storage | None = None,
    max_upload_bytes: int = 250 * 2**20,
    max_window_s: float = 20.0,
    dispatch: Callable[[uuid.UUID], None] = lambda run_id: None,
    send_email_change: Callable[[str, str], None] = lambda email, token: _print_code(email, token),
    api_url: str | None = None,
    send_message: Callable[[Message], None] | None = None,
    contact_address: str = "team@localhost",
    embed_submissions_per_client_per_hour: int = embed_service.SUBMISSIONS_PER_CLIENT_PER_HOUR,
    embed_submissions_per_partner_per_hour: int = embed_service.SUBMISSIONS_PER_PARTNER_PER_HOUR,
    max_json_body_bytes: int = MAX_JSON_BODY_BYTES,
    notify_run: Callable[[uuid.UUID], object] | None = None,
) -> FastAPI:
    """The sidecar app over one database.

    ``internal_token`` guards ``/api/internal``; ``secret_key`` keys sign-in
    codes; ``send_code(email, code)`` delivers them (the mailer in production);
    ``storage`` deletes a deleted analysis's files. ``api_url`` is the sidecar's public URL (embed
    confirmation links; the request's base URL when ``None``); ``send_message`` sends the embed
    confirmation email (printed when ``None``). ``embed_submissions_per_*_per_hour`` cap widget
    submissions per client address and per partner (429 past them); ``max_json_body_bytes`` caps
    request bodies outside uploads and the internal endpoints (413 past it). ``notify_run(run_id)``
    announces a run a remote worker reported as ended (:meth:`services.notify.RunNotifier.notify`).
    """
    if not internal_token:
        raise ValueError("an internal token is required (POSER_INTERNAL_TOKEN)")
    app = FastAPI(title="Poser API", version="0.1.0")
    app.state.session_factory = session_factory
    app.state.internal_token = internal_token
    app.state.secret_key = secret_key
    app.state.send_code = send_code
    app.state.storage = storage
    app.state.max_upload_bytes = max_upload_bytes
    app.state.max_window_s = max_window_s
    app.state.send_email_change = send_email_change  # (new address, token): emails the confirmation link
    # hands each newly queued run to the queue (Celery; local workers poll), with the policy every front end shares
    app.state.queue_run = functools.partial(queue_run, dispatch)
    app.state.api_url = api_url
    app.state.send_message = send_message  # (Message): the embed confirmation email
    app.state.notify_run = notify_run
    app.state.contact_desk = ContactDesk(
        send_message or (lambda message: print(message.text, flush=True)), team_address=contact_address
    )
    app.state.embed_client_limiter = RateLimiter(limit=embed_submissions_per_client_per_hour, window_s=3600.0)
    app.state.embed_submissions_per_partner_per_hour = embed_submissions_per_partner_per_hour
    app.add_middleware(BodyLimit, limit=max_json_body_bytes)
    app.include_router(public.router)
    app.include_router(embed_pages.router)  # first: "confirm" and "results" are reserved slugs
    app.include_router(embed.router)  # CORS for allowed partner origins is handled inside this router
    app.include_router(internal.router)
    app.include_router(storage_routes.router)
    return app


def app_from_settings(settings: Any = None) -> FastAPI:
    """The sidecar as :func:`services.composition.build` wires it from the settings (database migrated on start)."""
    from services.composition import build
    from services.housekeeping import Housekeeper
    from services.mail import email_change_message

    svc = build(settings)
    settings = svc.settings
    token = settings.internal_token.get_secret_value() if settings.internal_token else secrets.token_urlsafe(24)
    app = create_app(
        session_factory=svc.factory,
        internal_token=token,
        secret_key=svc.secret_key,
        send_code=svc.send_code,
        storage=svc.storage,
        max_upload_bytes=settings.max_upload_bytes,
        max_window_s=settings.max_window_s,
        dispatch=svc.dispatch,
        send_email_change=lambda email, token: svc.mailer.send(
            email_change_message(email, f"{settings.api_url}/api/auth/confirm-email-change?token={token}")
        ),
        api_url=settings.api_url,
        send_message=svc.mailer.send,
        contact_address=settings.mail_from,
        notify_run=svc.notifier().notify,
    )
    if settings.queue == "celery":  # local workers tidy up themselves; Celery and remote workers do not
        app.state.housekeeper = Housekeeper(svc.factory, svc.storage, notifier=svc.notifier()).start()
    return app
