"""HMAC-signed, expiring URLs for the local storage backend (served by the sidecar).

The signature covers the method, the key, the expiry and every extra parameter (content type,
size limit, download filename), so none of them can be changed without invalidating the URL.
A storage-specific sub-key is derived from ``POSER_SECRET_KEY`` so the same secret can sign
sessions elsewhere without one signature ever being valid for the other use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

_PURPOSE = b"poser-storage-url-v1"


def derive_key(secret_key: str | bytes, purpose: bytes = _PURPOSE) -> bytes:
    """A sub-key for one purpose: ``HMAC-SHA256(secret_key, purpose)``."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, purpose, hashlib.sha256).digest()


def _message(method: str, key: str, expires: int, params: Mapping[str, str]) -> bytes:
    lines = [method.upper(), key, str(int(expires))]
    lines += [f"{name}={params[name]}" for name in sorted(params)]
    return "\n".join(lines).encode()


def sign(signing_key: bytes, method: str, key: str, expires: int, params: Mapping[str, str] | None = None) -> str:
    """The URL-safe base64 HMAC-SHA256 signature of ``method``, ``key``, ``expires`` and ``params``."""
    digest = hmac.new(signing_key, _message(method, key, expires, params or {}), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verify(
    signing_key: bytes,
    method: str,
    key: str,
    expires: int | str,
    sig: str,
    params: Mapping[str, str] | None = None,
    *,
    now: float | None = None,
) -> bool:
    """True when ``sig`` is the signature of these values and ``expires`` (Unix seconds) is not past.

    Compares in constant time; a malformed ``expires`` or ``sig`` is simply invalid.
    """
    try:
        expires_int = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_int < (time.time() if now is None else now):
        return False
    expected = sign(signing_key, method, key, expires_int, params)
    return hmac.compare_digest(expected.encode(), str(sig).encode())
