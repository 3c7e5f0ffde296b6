"""Object storage for uploads and artifacts: a local folder (default) or an S3-compatible bucket.

Build the configured backend with :func:`make_storage`; see ``docs/services.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.storage.base import (
    InvalidKeyError,
    ObjectNotFoundError,
    PresignedUpload,
    Storage,
    StorageError,
    UploadTooLargeError,
    content_disposition,
    validate_key,
)
from services.storage.local import LocalStorage, SignatureError, SignedRequest

if TYPE_CHECKING:
    from services.settings import PoserSettings

__all__ = [
    "InvalidKeyError",
    "LocalStorage",
    "ObjectNotFoundError",
    "PresignedUpload",
    "SignatureError",
    "SignedRequest",
    "Storage",
    "StorageError",
    "UploadTooLargeError",
    "content_disposition",
    "make_storage",
    "validate_key",
]


def make_storage(settings: PoserSettings) -> Storage:
    """The backend ``settings.storage`` names: :class:`LocalStorage` or ``S3Storage`` (boto3, imported lazily)."""
    if settings.storage == "s3":
        from services.storage.s3 import S3Storage

        assert settings.s3_bucket  # guaranteed by the settings validator
        secret = settings.aws_secret_access_key
        return S3Storage(
            settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    return LocalStorage(settings.storage_dir, settings.secret_key.get_secret_value(), settings.api_url)
