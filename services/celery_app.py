"""The Celery app both sides of the queue share: its broker settings and the task's name.

The sender (:mod:`services.dispatch`) needs only this to name a run on the broker; the task that
executes it is registered by :func:`services.celery_queue.make_celery` in the worker process, so
sending never imports the worker.
"""

from __future__ import annotations

from celery import Celery

TASK_NAME = "poser.execute_run"


def celery_app(broker_url: str, *, default_queue: str = "cpu") -> Celery:
    """A Celery app on ``broker_url`` that delivers each run once and keeps no results (no task registered).

    ``default_queue`` is where a task sent without a queue goes, and what a worker started
    without ``-Q`` consumes.
    """
    app = Celery("poser", broker=broker_url)
    app.conf.update(
        task_acks_late=True,  # a worker that dies mid-run leaves the message for another (the run's lease decides)
        worker_prefetch_multiplier=1,  # one long analysis at a time per process
        task_ignore_result=True,
        task_default_queue=default_queue,
        broker_connection_retry_on_startup=True,
    )
    return app
