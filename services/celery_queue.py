"""The distributed queue: Celery with a Redis broker (``POSER_QUEUE=celery``, ``POSER_BROKER_URL``).

The database stays the source of truth: submitting still creates a queued
``analysis_runs`` row, and the Celery message only names it. A Celery worker
claims that run atomically — in the database (``POSER_WORKER_MODE=local``, the
:class:`services.worker.LocalWorker` code) or over HTTP through the sidecar
(``POSER_WORKER_MODE=remote``, :class:`services.remote_worker.RemoteWorker`, no
database credentials) — so a duplicated message or a run another worker took
first is simply skipped.

Routing: analyses go to the ``cpu`` queue, or to the ``gpu`` queue when GPU
workers are configured (``POSER_GPU_WORKERS=1``; names from ``POSER_CPU_QUEUE`` /
``POSER_GPU_QUEUE``). Start workers with the ordinary command::

    celery -A services.celery_worker worker -Q cpu --concurrency 1
    celery -A services.celery_worker worker -Q gpu --concurrency 1   # POSER_TRACKER defaults to sam2
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from celery import Celery

from services.celery_app import TASK_NAME, celery_app
from services.settings import PoserSettings

log = logging.getLogger(__name__)


def make_celery(broker_url: str, *, default_queue: str = "cpu") -> Celery:
    """The worker's Celery app: :func:`services.celery_app.celery_app` with the run task registered."""
    app = celery_app(broker_url, default_queue=default_queue)
    # A remote worker that cannot reach the sidecar raises ConnectionError before claiming: the run is
    # still queued, so retrying the message later loses nothing.
    app.task(name=TASK_NAME, autoretry_for=(ConnectionError,), retry_backoff=5, retry_backoff_max=300, max_retries=20)(
        _execute_run
    )
    return app


def tracker_for_queues(queues: Iterable[str], settings: PoserSettings) -> str:
    """The tracker of a worker consuming ``queues``: ``sam2`` on the GPU queue unless ``POSER_TRACKER`` is set."""
    if settings.gpu_queue in set(queues) and "tracker" not in settings.model_fields_set:
        return "sam2"
    return settings.tracker


#: The tracker this process's worker runs; ``None``: the settings' own. Set by :func:`use_queues`.
_worker_tracker: str | None = None


def use_queues(queues: Iterable[str], settings: PoserSettings) -> str:
    """Before any task runs: make this process's worker use the tracker for ``queues``; returns it."""
    global _worker_tracker
    _worker_tracker = tracker_for_queues(queues, settings)
    _worker.cache_clear()
    return _worker_tracker


def worker_tracker() -> str:
    """The tracker this process's worker runs (:func:`use_queues`, else the settings')."""
    from services.settings import get_settings

    return _worker_tracker or get_settings().tracker


@lru_cache(maxsize=1)
def _worker() -> Any:
    """The process's worker, by ``POSER_WORKER_MODE``; the remote one never imports the database layer."""
    from services.run_scratch import remove_abandoned
    from services.settings import get_settings

    remove_abandoned()  # once per worker process: what a killed predecessor left on this machine
    settings = get_settings()
    if settings.worker_mode == "remote":
        from services.remote_worker import remote_worker_from_settings

        return remote_worker_from_settings(settings, tracker=_worker_tracker)
    from services.worker import worker_from_settings

    return worker_from_settings(settings, tracker=_worker_tracker)


def _execute_run(run_id: str) -> bool:
    """Celery task: claim and execute the named run; False when it was no longer queued."""
    return bool(_worker().run_named(uuid.UUID(run_id)))
