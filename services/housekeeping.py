"""Periodic upkeep where no local worker runs: fail runs whose worker went silent, sweep abandoned uploads
and stored objects no row points to.

A :class:`services.worker.LocalWorker` does both itself. With the distributed queue (Celery, remote GPU
workers), stale runs would otherwise be failed only when the next claim happens to look, and abandoned
uploads never: the sidecar, which every deployment runs, starts a :class:`Housekeeper`.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from services.notify import RunNotifier
from services.orphan_sweep import sweep_orphans
from services.storage import Storage
from services.upload_cleanup import sweep_abandoned

log = logging.getLogger(__name__)


def tidy(
    session_factory: sessionmaker[Session], storage: Storage, notifier: RunNotifier | None = None
) -> tuple[int, int]:
    """One round: ``(stale runs failed, abandoned analyses deleted)``.

    With a ``notifier``, every run that ended unannounced (those failed here, those whose remote
    worker's report reached a sidecar that crashed before emailing) is announced.
    """
    with session_factory.begin() as session:
        stale = len(queries.fail_stale_runs(session=session))
    if notifier is not None:
        notifier.notify_pending()
    swept = len(sweep_abandoned(session_factory=session_factory, storage=storage))
    if stale or swept:
        log.info("housekeeping: failed %d stale run(s), swept %d abandoned upload(s)", stale, swept)
    return stale, swept


class Housekeeper:
    """:func:`tidy` now and then every ``every_s`` seconds on a daemon thread, until :meth:`stop`.

    Orphaned objects are swept on start and every ``orphans_every_s``: it lists the whole bucket.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        storage: Storage,
        *,
        every_s: float = 60.0,
        orphans_every_s: float = 3600.0,
        notifier: RunNotifier | None = None,
    ) -> None:
        self._factory, self._storage, self._every_s = session_factory, storage, every_s
        self._notifier = notifier
        self._orphans_every_s = orphans_every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="poser-housekeeping", daemon=True)

    def start(self) -> Housekeeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        next_orphan_sweep = 0.0
        while not self._stop.is_set():
            try:
                tidy(self._factory, self._storage, self._notifier)
                if time.monotonic() >= next_orphan_sweep:
                    next_orphan_sweep = time.monotonic() + self._orphans_every_s
                    sweep_orphans(session_factory=self._factory, storage=self._storage)
            except Exception:  # a database hiccup must not end upkeep for good
                log.exception("housekeeping round failed")
            self._stop.wait(self._every_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)
