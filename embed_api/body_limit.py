"""A request-body size limit for the JSON endpoints (413 past it), as plain ASGI middleware.

Bodies are counted as they arrive, so a missing or false ``Content-Length`` does not get past it.
Uploads (``/api/storage``, limited by their signed URL) are left alone; the machine endpoints
(``/api/internal``: frame batches are large) get a larger cap, because FastAPI reads a body before the
token dependency runs, so without one a caller without the token could make the sidecar buffer anything.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Default limit of a JSON request body, bytes: the largest public body (a contact message) is ~6 KB.
MAX_JSON_BODY_BYTES = 64 * 1024
#: Limit of ``/api/internal`` bodies, bytes: a whole 20 s run's frames as one JSON batch is ~10 MB.
MAX_INTERNAL_BODY_BYTES = 32 * 2**20
UNLIMITED_PREFIXES = ("/api/storage/",)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the request body is larger than {limit} bytes")


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (``internal_limit`` under ``/api/internal``;
    paths under :data:`UNLIMITED_PREFIXES` excepted)."""

    def __init__(
        self, app: ASGIApp, *, limit: int = MAX_JSON_BODY_BYTES, internal_limit: int = MAX_INTERNAL_BODY_BYTES
    ) -> None:
        self.app = app
        self.limit = limit
        self.internal_limit = internal_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        limit = self.internal_limit if scope["path"].startswith("/api/internal/") else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_413(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # raised inside the route's body read: FastAPI answers it as a 413
                    raise _too_large(limit)
            return message

        await self.app(scope, counted, send)


async def _send_413(send: Send, limit: int) -> None:
    body = f'{{"detail":"the request body is larger than {limit} bytes"}}'.encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
