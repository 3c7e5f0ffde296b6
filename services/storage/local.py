"""Local-folder storage: objects are files under ``<data_dir>/storage``, served through signed URLs."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from services import signed_urls
from services.storage.base import (
    InvalidKeyError,
    ObjectNotFoundError,
    PresignedUpload,
    Storage,
    StoredObject,
    UploadTooLargeError,
    validate_key,
)

_CHUNK = 1024 * 1024
URL_PATH = "/api/storage/"


@dataclass(frozen=True)
class SignedRequest:
    """What a verified local storage URL allows: ``method`` on ``key`` with its constraints."""

    method: str
    key: str
    expires: int
    content_type: str | None = None
    max_bytes: int | None = None
    filename: str | None = None


class SignatureError(InvalidKeyError):
    """A local storage URL with a missing, tampered or expired signature."""


class LocalStorage(Storage):
    """Objects as files under ``root``; uploads and downloads go through the sidecar's signed URLs.

    Parameters
    ----------
    root
        The folder holding the objects (``<POSER_DATA_DIR>/storage``); created on first write.
    secret_key
        ``POSER_SECRET_KEY``; a storage-only sub-key is derived from it.
    base_url
        The sidecar's public URL (``POSER_API_URL``); URLs are ``{base_url}/api/storage/{key}?…``.
    """

    def __init__(self, root: str | Path, secret_key: str, base_url: str) -> None:
        self.root = Path(root).resolve()
        self.base_url = base_url.rstrip("/")
        self._signing_key = signed_urls.derive_key(secret_key)

    # -- paths and atomic writes ------------------------------------------------------------------

    def path(self, key: str) -> Path:
        """The file that holds ``key`` (validated; always inside ``root``)."""
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKeyError(f"storage key {key!r} escapes the storage root")
        return path

    @contextmanager
    def _atomic(self, target: Path) -> Iterator[IO[bytes]]:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- writes -----------------------------------------------------------------------------------

    @contextmanager
    def open_write(self, key: str) -> Iterator[IO[bytes]]:
        """A file to write ``key``'s bytes to; it replaces the object only when the block ends without error."""
        with self._atomic(self.path(key)) as out:
            yield out

    def put_stream(
        self, key: str, stream: IO[bytes], *, content_type: str | None = None, max_bytes: int | None = None
    ) -> int:
        target = self.path(key)
        total = 0
        with self._atomic(target) as out:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if max_bytes is not None and total > max_bytes:
                    raise UploadTooLargeError(f"upload to {key!r} exceeds the limit of {max_bytes} bytes")
                out.write(chunk)
        return total

    def put_file(self, key: str, path: str | Path, *, content_type: str | None = None) -> None:
        with open(path, "rb") as src:
            self.put_stream(key, src)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        with self._atomic(self.path(key)) as out:
            out.write(data)

    # -- reads ------------------------------------------------------------------------------------

    def open(self, key: str) -> IO[bytes]:
        path = self.path(key)
        try:
            return open(path, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFoundError(f"no stored object {key!r}") from exc

    def download_file(self, key: str, path: str | Path) -> None:
        target = Path(path).resolve()
        with self.open(key) as src, self._atomic(target) as out:
            shutil.copyfileobj(src, out, _CHUNK)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        path = self.path(key)
        if not path.is_file():
            raise ObjectNotFoundError(f"no stored object {key!r}")
        return path.stat().st_size

    # -- deletes ----------------------------------------------------------------------------------

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            path = self.path(key)
            if path.is_file():
                path.unlink(missing_ok=True)
                self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        folder = (self.root / validate_key(prefix, prefix=True)).resolve()
        if not folder.is_relative_to(self.root) or folder == self.root or not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        shutil.rmtree(folder)
        self._prune(folder.parent)
        return count

    # -- listing and moves ------------------------------------------------------------------------

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        folder = (self.root / validate_key(prefix, prefix=True)).resolve()
        if not folder.is_relative_to(self.root) or not folder.is_dir():
            return
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.startswith("."):  # ".tmp-" files are writes in progress
                stat = path.stat()
                modified_at = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                yield StoredObject(path.relative_to(self.root).as_posix(), stat.st_size, modified_at)

    def move(self, source_key: str, target_key: str) -> None:
        source, target = self.path(source_key), self.path(target_key)
        if not source.is_file():
            raise ObjectNotFoundError(f"no stored object {source_key!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)  # one rename: atomic on the same filesystem
        self._prune(source.parent)

    def _prune(self, folder: Path) -> None:
        """Remove empty folders from ``folder`` up to (not including) the root."""
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    # -- signed URLs ------------------------------------------------------------------------------

    def _url(self, method: str, key: str, expires_s: int, params: dict[str, str]) -> tuple[str, int]:
        validate_key(key)
        if expires_s <= 0:
            raise ValueError("expires_s must be positive")
        expires = int(time.time()) + int(expires_s)
        sig = signed_urls.sign(self._signing_key, method, key, expires, params)
        query = urlencode({**params, "expires": expires, "sig": sig})
        return f"{self.base_url}{URL_PATH}{quote(key)}?{query}", expires

    def presign_upload(self, key: str, *, content_type: str, max_bytes: int, expires_s: int = 900) -> PresignedUpload:
        params = {"content_type": content_type, "max_bytes": str(int(max_bytes))}
        url, expires = self._url("PUT", key, expires_s, params)
        return PresignedUpload(
            url=url, headers={"Content-Type": content_type}, expires_at=expires, max_bytes=int(max_bytes)
        )

    def presign_download(self, key: str, *, expires_s: int = 900, filename: str | None = None) -> str:
        params = {"filename": filename} if filename else {}
        return self._url("GET", key, expires_s, params)[0]

    def verify_signature(
        self,
        method: str,
        key: str,
        expires: int | str,
        sig: str,
        *,
        content_type: str | None = None,
        max_bytes: int | str | None = None,
        filename: str | None = None,
        now: float | None = None,
    ) -> bool:
        """Whether ``sig`` authorises ``method`` on ``key`` with these query parameters, not yet expired.

        The sidecar's handler passes the query parameters it received; for a PUT it must then reject
        a different ``Content-Type`` and store with ``put_stream(..., max_bytes=max_bytes)``.
        """
        params: dict[str, str] = {}
        if content_type is not None:
            params["content_type"] = content_type
        if max_bytes is not None:
            params["max_bytes"] = str(max_bytes)
        if filename is not None:
            params["filename"] = filename
        try:
            validate_key(key)
        except InvalidKeyError:
            return False
        return signed_urls.verify(self._signing_key, method, key, expires, sig, params, now=now)

    def check_url(self, method: str, url: str, *, now: float | None = None) -> SignedRequest:
        """Parse and verify a full local storage URL; raise :class:`SignatureError` when it is not valid."""
        parts = urlsplit(url)
        if not parts.path.startswith(URL_PATH):
            raise SignatureError(f"not a storage URL: {parts.path!r}")
        key = unquote(parts.path[len(URL_PATH) :])
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        expires, sig = query.get("expires"), query.get("sig")
        if expires is None or sig is None:
            raise SignatureError("storage URL lacks expires/sig")
        fields = {name: query.get(name) for name in ("content_type", "max_bytes", "filename")}
        if not self.verify_signature(method, key, expires, sig, **fields, now=now):
            raise SignatureError("storage URL signature is invalid or expired")
        max_bytes = fields["max_bytes"]
        return SignedRequest(
            method=method.upper(),
            key=key,
            expires=int(expires),
            content_type=fields["content_type"],
            max_bytes=int(max_bytes) if max_bytes is not None else None,
            filename=fields["filename"],
        )
