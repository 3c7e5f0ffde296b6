"""Hand a queued run to the queue the settings name.

``local``: nothing to send; local workers poll the database. ``celery``: a
message naming the run goes to the broker, on the ``gpu`` queue when GPU
workers are configured (``POSER_GPU_WORKERS=1``), else the ``cpu`` queue.
Either way the run row is the record: a message that cannot be sent leaves the run
queued in the database, and :func:`queue_run`'s caller answers as for any queued run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from services.settings import PoserSettings

log = logging.getLogger(__name__)


def make_dispatcher(settings: PoserSettings) -> Callable[[uuid.UUID], None]:
    """A function to call after a run is committed as queued."""
    if settings.queue != "celery":
        return lambda run_id: None
    from services.celery_app import TASK_NAME, celery_app

    celery = celery_app(settings.broker_url or "redis://127.0.0.1:6379/0", default_queue=settings.cpu_queue)
    queue = settings.analysis_queue
    return lambda run_id: celery.send_task(TASK_NAME, args=[str(run_id)], queue=queue)


def queue_run(dispatch: Callable[[uuid.UUID], None], run_id: uuid.UUID) -> None:
    """Hand a run committed as ``queued`` to ``dispatch``; a failed hand-over is logged, never raised.

    The one policy of every front end (studio, sidecar routes): the run row exists and stays queued, so
    the person is told their run is queued, not shown an error for a run that exists.
    """
    try:
        dispatch(run_id)
    except Exception:  # the broker's errors vary (kombu, redis, socket): the run stays queued either way
        log.exception("could not hand run %s to the queue; it stays queued in the database", run_id)
