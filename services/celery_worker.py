"""The Celery app for ``celery -A services.celery_worker worker``, configured from the settings.

Kept apart from :mod:`services.celery_queue` because Celery's command line needs an app object at
import time; nothing else imports this module.
"""

from __future__ import annotations

from services.celery_queue import make_celery
from services.settings import get_settings

app = make_celery(get_settings().broker_url or "redis://127.0.0.1:6379/0")
