"""A background thread that renews a run's lease while its worker is busy.

Shared by the local worker (renews in the database) and the remote worker
(renews over HTTP); it knows only a ``renew()`` callable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Call ``renew()`` every ``every_s`` seconds until stopped, or until it returns False (lease lost).

    ``renew`` raising (a database or network blip) is logged and retried on the next beat: the lease
    is three beats long, so a few misses are survivable.
    """

    def __init__(self, renew: Callable[[], bool], every_s: float) -> None:
        super().__init__(name="poser-heartbeat", daemon=True)
        self._renew, self._every = renew, every_s
        self._stop_event = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self._stop_event.wait(self._every):
            try:
                if not self._renew():
                    self.lost = True
                    log.warning("lease lost: another worker or the sweep took this run")
                    return
            except Exception:  # a blip: try again next beat; the lease outlives a few misses
                log.exception("heartbeat failed")

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop beating; waits at most ``timeout_s`` (a renewal stuck in HTTP retries must not hold the
        worker: the daemon thread ends with its request, and a late renewal of a finished run is refused)."""
        self._stop_event.set()
        self.join(timeout_s)
