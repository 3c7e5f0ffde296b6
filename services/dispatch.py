"""Hand a queued run to the queue the settings name.

``local``: nothing to send; local workers poll the database. ``celery``: a
message naming the run goes to the broker, on the ``gpu`` queue when GPU
workers are configured (``POSER_GPU_WORKERS=1``), else the ``cpu`` queue.
Either way the run row is the record, so a lost message delays a run (a local
worker or a resend picks it up) but never loses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from services.settings import PoserSettings


def make_dispatcher(settings: PoserSettings) -> Callable[[uuid.UUID], None]:
    """A function to call after a run is committed as queued."""
    if settings.queue != "celery":
        return lambda run_id: None
    from services.celery_queue import TASK_NAME, make_celery

    celery = make_celery(settings.broker_url or "redis://127.0.0.1:6379/0", default_queue=settings.cpu_queue)
    queue = settings.analysis_queue
    return lambda run_id: celery.send_task(TASK_NAME, args=[str(run_id)], queue=queue)
