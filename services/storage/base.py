"""The storage interface, key rules and errors shared by every backend."""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO
from urllib.parse import quote

MAX_KEY_LENGTH = 1024
_KEY_CHARS = re.compile(r"[A-Za-z0-9._\-/]+")


class StorageError(Exception):
    """A storage operation failed."""


class InvalidKeyError(StorageError, ValueError):
    """A key that could escape the storage root or that S3 would treat differently."""


class ObjectNotFoundError(StorageError, FileNotFoundError):
    """No object under this key."""


class UploadTooLargeError(StorageError):
    """An upload exceeded its size limit."""


def validate_key(key: str, *, prefix: bool = False) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`InvalidKeyError`.

    A key is 1–1024 characters of ``A–Z a–z 0–9 . _ - /``, made of non-empty segments separated by
    ``/``, none starting with ``.`` (so no ``..``, no hidden or temporary files) and no leading
    ``/``. With ``prefix=True`` the value must instead end with ``/`` (a "folder"): prefixes have
    folder semantics on every backend, so ``runs/1/`` never matches ``runs/10/``.
    """
    if not isinstance(key, str) or not key:
        raise InvalidKeyError("storage key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"storage key longer than {MAX_KEY_LENGTH} characters")
    if not _KEY_CHARS.fullmatch(key):
        raise InvalidKeyError(f"storage key {key!r} has characters outside A-Z a-z 0-9 . _ - /")
    body = key
    if prefix:
        if not key.endswith("/"):
            raise InvalidKeyError(f"storage prefix {key!r} must end with '/'")
        body = key[:-1]
    for segment in body.split("/"):
        if not segment:
            raise InvalidKeyError(f"storage key {key!r} has an empty segment or a leading/trailing '/'")
        if segment.startswith("."):
            raise InvalidKeyError(f"storage key {key!r} has a segment starting with '.'")
    return key


def key_safe_name(filename: str, *, default_stem: str = "clip", max_chars: int = 120) -> str:
    """``filename``'s last path part as one key segment: accents dropped, other characters as ``_``.

    ``descente_éclair.mp4`` → ``descente_eclair.mp4``; ``スキー.mp4`` (no letter left to keep)
    → ``clip.mp4``. The person's own name is kept elsewhere for display and downloads.
    """
    name = Path(filename.replace("\\", "/")).name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in ascii_name)
    stem, dot, suffix = safe.rpartition(".")
    if not (dot and suffix.isalnum()):
        stem, suffix = safe, ""
    stem = stem.strip("._-")[: max_chars - len(suffix) - 1] or default_stem
    return f"{stem}.{suffix}" if suffix else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A ``Content-Disposition`` value that names the download ``filename`` (RFC 6266, UTF-8 safe)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(filename, safe='')}"


@dataclass(frozen=True)
class PresignedUpload:
    """Where and how the browser sends one file: ``method`` to ``url`` with exactly ``headers``."""

    url: str
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)
    expires_at: int = 0
    max_bytes: int | None = None


@dataclass(frozen=True)
class StoredObject:
    """One stored object as listed: its key, size and when it was last written (UTC)."""

    key: str
    size_bytes: int
    modified_at: datetime


class Storage(ABC):
    """Object storage for uploads and artifacts, addressed by keys such as ``runs/<id>/overlay.mp4``.

    Every backend writes atomically (a reader sees the whole object or none), validates keys with
    :func:`validate_key`, and raises :class:`ObjectNotFoundError` for a missing key.
    """

    @abstractmethod
    def put_file(self, key: str, path: str | Path, *, content_type: str | None = None) -> None:
        """Store the file at ``path`` under ``key`` (replacing any object there)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key``."""

    @abstractmethod
    def put_stream(
        self, key: str, stream: IO[bytes], *, content_type: str | None = None, max_bytes: int | None = None
    ) -> int:
        """Store everything read from ``stream``; return its size in bytes.

        Raises :class:`UploadTooLargeError` (storing nothing) when more than ``max_bytes`` arrive.
        """

    @abstractmethod
    def open(self, key: str) -> IO[bytes]:
        """A binary reader over the object; the caller closes it."""

    def read(self, key: str) -> bytes:
        """The object's whole content."""
        with self.open(key) as f:
            return f.read()

    @abstractmethod
    def download_file(self, key: str, path: str | Path) -> None:
        """Copy the object to a local file at ``path`` (written atomically)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes."""

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> None:
        """Delete these objects; missing keys are ignored."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under the folder ``prefix`` (ends with ``/``); return how many."""

    @abstractmethod
    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object under the folder ``prefix`` (ends with ``/``), in no particular order."""

    @abstractmethod
    def move(self, source_key: str, target_key: str) -> None:
        """Put the object at ``source_key`` under ``target_key`` (replacing it) and remove the source.

        A reader of ``target_key`` sees the whole object or none; raises :class:`ObjectNotFoundError`
        when there is no source.
        """

    @abstractmethod
    def presign_upload(self, key: str, *, content_type: str, max_bytes: int, expires_s: int = 900) -> PresignedUpload:
        """A URL the browser can PUT the file to, with the given content type, until it expires."""

    @abstractmethod
    def presign_download(self, key: str, *, expires_s: int = 900, filename: str | None = None) -> str:
        """A URL that GETs the object until it expires, saved as ``filename`` when given."""

    def confirm_upload(self, key: str, *, max_bytes: int) -> int:
        """Check a browser upload after the fact: return its size, or delete it and raise when too large.

        Presigned S3 PUT URLs cannot cap the size, so the confirm step enforces ``max_bytes``.
        """
        size = self.size(key)
        if size > max_bytes:
            self.delete([key])
            raise UploadTooLargeError(f"upload {key!r} is {size} bytes, more than the limit of {max_bytes}")
        return size
