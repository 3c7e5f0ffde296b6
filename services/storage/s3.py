"""S3-compatible storage through boto3 (AWS, MinIO, Tigris, R2, moto): presigned PUT and GET URLs."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.storage.base import (
    ObjectNotFoundError,
    PresignedUpload,
    Storage,
    StorageError,
    StoredObject,
    UploadTooLargeError,
    content_disposition,
    validate_key,
)

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_DELETE_BATCH = 1000  # S3's DeleteObjects limit


class _LimitedReader:
    """Reads from ``stream`` and raises :class:`UploadTooLargeError` past ``limit`` bytes."""

    def __init__(self, stream: IO[bytes], limit: int | None, key: str) -> None:
        self._stream, self._limit, self._key, self.count = stream, limit, key, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.count += len(chunk)
        if self._limit is not None and self.count > self._limit:
            raise UploadTooLargeError(f"upload to {self._key!r} exceeds the limit of {self._limit} bytes")
        return chunk


class S3Storage(Storage):
    """Objects in one S3 bucket.

    Parameters
    ----------
    bucket
        ``POSER_S3_BUCKET``.
    region, endpoint_url
        ``POSER_S3_REGION`` and ``POSER_S3_ENDPOINT_URL`` (MinIO/Tigris/R2; unset for AWS). With an
        endpoint URL, path-style addressing is used (``{endpoint}/{bucket}/{key}``).
    access_key_id, secret_access_key
        Explicit credentials; when ``None``, boto3's default chain applies (``AWS_ACCESS_KEY_ID``…).

    Notes
    -----
    A presigned PUT signs the ``Content-Type`` header (S3 refuses another one) but cannot cap the
    body's size: :meth:`Storage.confirm_upload` checks the size after the browser's upload.
    """

    def __init__(
        self,
        bucket: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
        )
        self.client: Any = boto3.session.Session().client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def _call(self, operation: str, key: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND:
                raise ObjectNotFoundError(f"no stored object {key!r} in s3://{self.bucket}") from exc
            raise StorageError(f"S3 {operation} of {key!r} in s3://{self.bucket} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {operation} of {key!r} in s3://{self.bucket} failed: {exc}") from exc

    @staticmethod
    def _extra(content_type: str | None) -> dict[str, str]:
        return {"ContentType": content_type} if content_type else {}

    def put_file(self, key: str, path: str | Path, *, content_type: str | None = None) -> None:
        validate_key(key)
        extra = {"ExtraArgs": self._extra(content_type)} if content_type else {}
        self._call("upload_file", key, Filename=str(path), Key=key, **extra)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._call("put_object", validate_key(key), Key=key, Body=data, **self._extra(content_type))

    def put_stream(
        self, key: str, stream: IO[bytes], *, content_type: str | None = None, max_bytes: int | None = None
    ) -> int:
        validate_key(key)
        reader = _LimitedReader(stream, max_bytes, key)
        extra = {"ExtraArgs": self._extra(content_type)} if content_type else {}
        # An UploadTooLargeError from the reader propagates; s3transfer aborts the multipart upload.
        self._call("upload_fileobj", key, Fileobj=reader, Key=key, **extra)
        return reader.count

    def open(self, key: str) -> IO[bytes]:
        return self._call("get_object", validate_key(key), Key=key)["Body"]

    def download_file(self, key: str, path: str | Path) -> None:
        # boto3 writes to a temporary name and renames when complete.
        self._call("download_file", validate_key(key), Key=key, Filename=str(path))

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._call("head_object", validate_key(key), Key=key)["ContentLength"])

    def delete(self, keys: Iterable[str]) -> None:
        keys = [validate_key(k) for k in keys]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            reply = self._call(
                "delete_objects", batch[0], Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
            if reply.get("Errors"):
                first = reply["Errors"][0]
                raise StorageError(f"S3 could not delete {first.get('Key')!r}: {first.get('Message')}")

    def delete_prefix(self, prefix: str) -> int:
        validate_key(prefix, prefix=True)
        paginator = self.client.get_paginator("list_objects_v2")
        keys = [
            obj["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for obj in page.get("Contents", [])
        ]
        self.delete(keys)
        return len(keys)

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        validate_key(prefix, prefix=True)
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield StoredObject(obj["Key"], int(obj["Size"]), obj["LastModified"])
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"S3 listing of {prefix!r} in s3://{self.bucket} failed: {exc}") from exc

    def move(self, source_key: str, target_key: str) -> None:
        # S3 has no rename: a server-side copy (multipart above 8 MB, so any size) then a delete.
        source = {"Bucket": self.bucket, "Key": validate_key(source_key)}
        self._call("copy", source_key, CopySource=source, Key=validate_key(target_key))
        self.delete([source_key])

    def _presign(self, operation: str, key: str, expires_s: int, **params: str) -> str:
        validate_key(key)
        if expires_s <= 0:
            raise ValueError("expires_s must be positive")
        try:
            return self.client.generate_presigned_url(
                operation, Params={"Bucket": self.bucket, "Key": key, **params}, ExpiresIn=int(expires_s)
            )
        except BotoCoreError as exc:
            raise StorageError(f"could not presign {operation} for {key!r}: {exc}") from exc

    def presign_upload(self, key: str, *, content_type: str, max_bytes: int, expires_s: int = 900) -> PresignedUpload:
        url = self._presign("put_object", key, expires_s, ContentType=content_type)
        return PresignedUpload(
            url=url,
            headers={"Content-Type": content_type},
            expires_at=int(time.time()) + int(expires_s),
            max_bytes=int(max_bytes),
        )

    def presign_download(self, key: str, *, expires_s: int = 900, filename: str | None = None) -> str:
        params = {"ResponseContentDisposition": content_disposition(filename)} if filename else {}
        return self._presign("get_object", key, expires_s, **params)
