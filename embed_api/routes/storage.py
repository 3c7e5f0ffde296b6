"""Local storage behind signed, expiring URLs (the local backend's stand-in for S3 presigned URLs).

``PUT /api/storage/{key}`` receives a browser upload; ``GET`` serves a download.
Both check the URL's HMAC signature, expiry and signed constraints (content
type and size limit for uploads, download file name).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse

from services.storage.base import ObjectNotFoundError, UploadTooLargeError
from services.storage.local import LocalStorage, SignatureError

router = APIRouter(prefix="/api/storage", tags=["storage"])


def _local(request: Request) -> LocalStorage:
    storage = getattr(request.app.state, "storage", None)
    if not isinstance(storage, LocalStorage):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "local storage is not in use")
    return storage


def _checked(request: Request, method: str):
    storage = _local(request)
    try:
        return storage, storage.check_url(method, str(request.url))
    except SignatureError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this link is invalid or has expired") from exc


@router.get("/{key:path}")
def download(key: str, request: Request) -> FileResponse:
    storage, signed = _checked(request, "GET")
    path = storage.path(signed.key)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this file no longer exists")
    return FileResponse(path, filename=signed.filename or path.name)


@router.put("/{key:path}")
async def upload(key: str, request: Request) -> dict[str, int]:
    storage, signed = _checked(request, "PUT")
    if signed.content_type and request.headers.get("content-type") != signed.content_type:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"this link accepts {signed.content_type} only")
    body = await request.body()  # bounded by the signed size limit below
    if signed.max_bytes is not None and len(body) > signed.max_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the file is larger than the upload limit")
    try:
        storage.put_bytes(signed.key, body, content_type=signed.content_type)
    except (UploadTooLargeError, ObjectNotFoundError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return {"size_bytes": len(body)}
