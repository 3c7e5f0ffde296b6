"""The local worker: claims queued runs from the database and executes them.

Durable by construction: the queue *is* the ``analysis_runs`` table, so a
restarted worker picks up whatever is still queued. While a run executes, a
heartbeat thread renews its lease; a worker that dies stops renewing, and any
worker's sweep (:func:`db.queries.fail_stale_runs`) fails that run with a
reason once the lease expires — never a run stuck "running".

Run it with ``python -m services.worker`` (``make run`` starts one), or call
:meth:`LocalWorker.run_once` from tests and threads.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from poser_pipeline.pose.model import preload as preload_pose
from poser_pipeline.settings import PipelineSettings
from services.heartbeat import Heartbeat
from services.orphan_sweep import sweep_orphans
from services.reporter import DbRunReporter
from services.run_analysis import execute_run
from services.run_scratch import remove_abandoned
from services.storage import Storage
from services.upload_cleanup import sweep_abandoned

log = logging.getLogger(__name__)

DEFAULT_LEASE_S = 60.0


class LocalWorker:
    """Claim-execute loop over the database queue.

    Parameters
    ----------
    session_factory : sessionmaker
    storage : Storage
        Where inputs are fetched from and artifacts stored.
    lease_s : float
        Lease length, seconds; heartbeats renew it every ``lease_s / 3``.
    on_finished : callable, optional
        Called with ``(run_id, succeeded)`` after each run (e.g. to send the results email).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        storage: Storage,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        worker_id: str | None = None,
        pipeline_settings: PipelineSettings | None = None,
        on_finished: Callable[[uuid.UUID, bool], None] | None = None,
    ) -> None:
        self._factory = session_factory
        self._storage = storage
        self.lease_s = lease_s
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._pipeline_settings = pipeline_settings
        self._on_finished = on_finished
        self._stop = threading.Event()

    def sweep(self) -> int:
        """Fail runs whose worker stopped heartbeating (announcing each, like a run that ended); returns how many."""
        with self._factory.begin() as session:
            failed = [run.id for run in queries.fail_stale_runs(session=session)]
        if self._on_finished is not None:
            for run_id in failed:
                self._on_finished(run_id, False)
        return len(failed)

    def run_once(self) -> uuid.UUID | None:
        """Claim and execute the oldest queued run; returns its id, or ``None`` when the queue is empty."""
        self.sweep()
        with self._factory.begin() as session:
            run = queries.claim_next_queued_run(session=session, worker_id=self.worker_id, lease_seconds=self.lease_s)
            if run is None:
                return None
            run_id, analysis_id = run.id, run.analysis_id
        self._execute_claimed(run_id, analysis_id)
        return run_id

    def run_named(self, run_id: uuid.UUID) -> bool:
        """Claim and execute one given run (a queue message names it); False if it was not queued."""
        self.sweep()
        with self._factory.begin() as session:
            run = queries.claim_run(
                session=session, run_id=run_id, worker_id=self.worker_id, lease_seconds=self.lease_s
            )
            if run is None:
                return False
            analysis_id = run.analysis_id
        self._execute_claimed(run_id, analysis_id)
        return True

    def _execute_claimed(self, run_id: uuid.UUID, analysis_id: uuid.UUID) -> None:
        log.info("worker %s claimed run %s", self.worker_id, run_id)

        def renew() -> bool:
            with self._factory.begin() as session:
                return queries.heartbeat(
                    session=session, run_id=run_id, worker_id=self.worker_id, lease_seconds=self.lease_s
                )

        beat = Heartbeat(renew, self.lease_s / 3)
        beat.start()
        try:
            result = execute_run(
                run_id=run_id,
                session_factory=self._factory,
                storage=self._storage,
                reporter=DbRunReporter(self._factory, run_id=run_id, analysis_id=analysis_id, worker_id=self.worker_id),
                settings=self._pipeline_settings,
            )
        finally:
            beat.stop()
        if self._on_finished is not None:
            self._on_finished(run_id, result is not None)

    def sweep_abandoned_uploads(self) -> int:
        """Delete analyses stuck before their first run past their grace period; returns how many."""
        deleted = sweep_abandoned(session_factory=self._factory, storage=self._storage)
        if deleted:
            log.info("swept %d abandoned upload(s)", len(deleted))
        return len(deleted)

    def sweep_orphaned_objects(self) -> int:
        """Delete stored objects no row points to (late uploads, outputs of deleted analyses); returns how many."""
        return len(sweep_orphans(session_factory=self._factory, storage=self._storage))

    def run_forever(self, *, poll_s: float = 1.0, cleanup_every_s: float = 3600.0) -> None:
        """Work until :meth:`stop` is called, polling the queue every ``poll_s`` seconds when idle.

        Abandoned uploads and orphaned objects are swept on start and then every ``cleanup_every_s``
        seconds: the worker is the one process every deployment runs, so nothing else needs scheduling.
        """
        try:
            preload_pose()  # in the loop's thread, so a studio running this worker in-process starts at once
        except Exception:  # each run will then fail with the real error, recorded on the run
            log.exception("could not load the pose model's libraries")
        next_cleanup = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_cleanup:
                    next_cleanup = time.monotonic() + cleanup_every_s
                    self.sweep_abandoned_uploads()
                    self.sweep_orphaned_objects()
                    remove_abandoned()  # scratch folders of runs whose worker was killed
                if self.run_once() is None:
                    self._stop.wait(poll_s)
            except Exception:  # keep serving: one broken run must not stop the worker
                log.exception("worker loop error")
                self._stop.wait(poll_s)

    def stop(self) -> None:
        self._stop.set()


def worker_from_settings(settings: Any = None, *, tracker: str | None = None) -> LocalWorker:
    """A worker wired by :func:`services.composition.build` (database, storage, pipeline settings, result emails).

    ``tracker`` overrides the settings' tracking backend (a GPU queue's worker: ``sam2``).
    """
    from services.composition import build

    svc = build(settings, tracker=tracker)
    notify = svc.notifier()
    return LocalWorker(
        svc.factory,
        svc.storage,
        lease_s=svc.settings.worker_lease_s,
        pipeline_settings=svc.pipeline,
        on_finished=notify,
    )


def main() -> None:
    """``python -m services.worker``: a local worker configured by :func:`services.settings.get_settings`."""
    import signal

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    worker = worker_from_settings()
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    log.info("worker %s waiting for queued runs", worker.worker_id)
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        worker.stop()


if __name__ == "__main__":
    main()
