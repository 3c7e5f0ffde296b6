"""Small shared checks for people's input and for stored secrets."""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def looks_like_email(address: str) -> bool:
    """A plausible email address (one ``@``, a dot in the domain, no spaces); delivery is the real test."""
    return bool(_EMAIL.match(address))


def hash_token(token: str) -> str:
    """SHA-256 hex of a random token: what is stored, so a leaked database holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()
