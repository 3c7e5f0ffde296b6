"""The distributed queue: Celery with a Redis broker (``POSER_QUEUE=celery``, ``POSER_BROKER_URL``).

The database stays the source of truth: submitting still creates a queued
``analysis_runs`` row, and the Celery message only names it. A Celery worker
claims that run with the same atomic conditional update the local worker uses
and runs the same :class:`services.worker.LocalWorker` code, so a duplicated
message or a run that a local worker took first is simply skipped. Start workers
anywhere (GPU machines included) with the ordinary command::

    celery -A services.celery_worker worker --concurrency 1
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from celery import Celery

TASK_NAME = "poser.execute_run"


def make_celery(broker_url: str) -> Celery:
    """A Celery app on ``broker_url`` that delivers each run once and keeps no results."""
    app = Celery("poser", broker=broker_url)
    app.conf.update(
        task_acks_late=True,  # a worker that dies mid-run leaves the message for another (the run's lease decides)
        worker_prefetch_multiplier=1,  # one long analysis at a time per process
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
    )
    app.task(name=TASK_NAME)(_execute_run)
    return app


@lru_cache(maxsize=1)
def _worker():
    from services.worker import worker_from_settings

    return worker_from_settings()


def _execute_run(run_id: str) -> bool:
    """Celery task: claim and execute the named run; False when it was no longer queued."""
    return _worker().run_named(uuid.UUID(run_id))
