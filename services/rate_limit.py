"""A sliding-window rate limit kept in this process: at most ``limit`` events per key per window.

Used where no database row records the event (contact messages, embed submissions per client
address). It lives in one process (the sidecar runs one), so it guards against a scripted form or
widget, not against a determined attacker with many addresses. Limits that must hold across
processes count database rows instead (sign-in codes, confirmation emails, submissions per partner).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    """At most ``limit`` hits per key within ``window_s`` seconds (a sliding window).

    Examples
    --------
    >>> limiter = RateLimiter(limit=2, window_s=60)
    >>> [limiter.hit("a", now=0), limiter.hit("a", now=1), limiter.hit("a", now=2), limiter.hit("a", now=61)]
    [True, True, False, True]
    """

    def __init__(self, *, limit: int, window_s: float = 3600.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str, *, now: float | None = None) -> bool:
        """Record one event for ``key`` and return True, or return False (recording nothing) if over the limit."""
        now = time.time() if now is None else now
        with self._lock:
            recent = self._recent[key]
            while recent and recent[0] <= now - self.window_s:
                recent.popleft()
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            return True


def client_address(peer: object, real_ip_header: str | None) -> str:
    """The address to rate-limit a request by.

    Behind the nginx front (``deploy/nginx``) the peer is the proxy, and nginx sets ``X-Real-IP`` from
    the connection; the header is believed only from a loopback or private peer (a proxy), never from
    a client on the internet, who could otherwise pick a fresh address per request. A peer that is not
    an address string (tests' stand-ins) falls back to one shared key.
    """
    if not isinstance(peer, str):
        return "unknown"
    try:
        from_proxy = ipaddress.ip_address(peer).is_private  # loopback and RFC 1918 count as private
    except ValueError:
        return peer
    if from_proxy and real_ip_header:
        candidate = real_ip_header.strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return peer
    return peer
