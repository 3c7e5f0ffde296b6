"""Local storage behind signed, expiring URLs (the local backend's stand-in for S3 presigned URLs).

``PUT /api/storage/{key}`` receives a browser upload; ``GET`` serves a download.
Both check the URL's HMAC signature, expiry and signed constraints (content
type and size limit for uploads, download file name).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse

from embed_api.deps import SessionFactoryDep
from services import uploads
from services.storage.base import UploadTooLargeError
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
async def upload(key: str, request: Request, factory: SessionFactoryDep) -> dict[str, int]:
    """Store the body as it arrives: never more than the signed limit is read, nothing is kept on refusal."""
    storage, signed = _checked(request, "PUT")
    if signed.content_type and request.headers.get("content-type") != signed.content_type:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"this link accepts {signed.content_type} only")
    with factory() as session:
        closed = uploads.closed_upload_reason(session=session, storage_key=signed.key)
    if closed:
        raise HTTPException(status.HTTP_410_GONE, closed)
    limit = signed.max_bytes
    declared = request.headers.get("content-length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _too_large(int(declared), limit))
    total = 0
    try:
        with storage.open_write(signed.key) as out:
            async for chunk in request.stream():
                total += len(chunk)
                if limit is not None and total > limit:
                    raise UploadTooLargeError(signed.key)
                out.write(chunk)
    except UploadTooLargeError:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _too_large(limit, limit, more=True)) from None
    return {"size_bytes": total}


def _too_large(size_bytes: int, limit_bytes: int | None, *, more: bool = False) -> str:
    """The link's limit is the size announced when the upload began (within the site's limit)."""
    # A refused stream is cut at the limit, so its true size is unknown: say only that it is over.
    size = f"more than {uploads.size_text(size_bytes, up=False)}" if more else uploads.size_text(size_bytes)
    announced = uploads.size_text(limit_bytes or 0, up=False)
    return f"the file is {size}, larger than the {announced} announced when this upload began: start a new upload"
