"""The Celery app for ``celery -A services.celery_worker worker``, configured from the settings.

Kept apart from :mod:`services.celery_queue` because Celery's command line needs an app object at
import time; nothing else imports this module. A worker consuming the GPU queue
(``-Q gpu``) analyses with SAM2 unless ``POSER_TRACKER`` says otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_init, worker_ready

from poser_pipeline.pose.model import preload as preload_pose
from services.celery_queue import make_celery, use_queues, worker_tracker
from services.settings import get_settings

log = logging.getLogger(__name__)

_settings = get_settings()
app = make_celery(_settings.broker_url or "redis://127.0.0.1:6379/0", default_queue=_settings.cpu_queue)


@worker_init.connect
def _gpu_worker_tracker(sender: Any = None, **_: Any) -> None:
    """Before any task runs: a ``-Q gpu`` worker defaults to the SAM2 tracker (passed to the pipeline's settings)."""
    queues = list(sender.app.amqp.queues.consume_from) if sender is not None else []
    use_queues(queues, _settings)


@worker_init.connect
def _preload_pose(**_: Any) -> None:
    """Import MediaPipe (about 0.2 s) once, in the parent before it forks its pool, not in the first analysis.

    Not on ``worker_process_init``: a pool process must report up within ``worker_proc_alive_timeout``
    (4 s), and an import slowed by a cold disk would get it killed and restarted.
    """
    preload_pose()


@worker_ready.connect
def _say_what_runs_here(sender: Any = None, **_: Any) -> None:
    """One line once logging is set up (after ``worker_init``): what this worker will do."""
    queues = sorted(sender.app.amqp.queues.consume_from) if sender is not None else []
    log.info("poser worker: queues %s, tracker %s, mode %s", queues, worker_tracker(), _settings.worker_mode)
