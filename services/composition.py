"""The composition root: every process's database, storage, mailer, queue and pipeline settings, built once.

The studio (:func:`app.session.services`), the sidecar (:func:`embed_api.main.app_from_settings`) and
the workers (:func:`services.worker.worker_from_settings`, :mod:`services.celery_worker`) each call
:func:`build` with the one :class:`~services.settings.PoserSettings`, so a use case that needs the
queue or the mailer finds the same parts, wired the same way, in every front end.

:func:`services.settings.pipeline_settings` is the one place the pipeline's configuration comes from: the pipeline reads
no environment, it is handed a :class:`~poser_pipeline.settings.PipelineSettings`. A remote worker,
which has no database, calls it alone.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from db.engine import SessionFactory
from poser_pipeline.settings import PipelineSettings
from services.dispatch import queue_run
from services.mail import Mailer, make_mailer, sign_in_code_message
from services.notify import RunNotifier
from services.settings import PoserSettings, get_settings, pipeline_settings
from services.storage import LocalStorage, Storage, make_storage


@dataclass(frozen=True)
class Services:
    """One of each part per process, from one settings object."""

    settings: PoserSettings
    factory: SessionFactory
    storage: Storage
    mailer: Mailer
    #: Hands a committed, queued run to the queue (:func:`services.dispatch.make_dispatcher`).
    dispatch: Callable[[uuid.UUID], None]
    pipeline: PipelineSettings = dataclasses.field(default_factory=PipelineSettings)

    def queue_run(self, run_id: uuid.UUID) -> None:
        """Tell the queue about a run committed as ``queued`` (:func:`services.dispatch.queue_run`: never raises)."""
        queue_run(self.dispatch, run_id)

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key.get_secret_value()

    def notifier(self) -> RunNotifier:
        """Announces finished runs to their owners (studio link, or an embed submission's results page)."""
        return RunNotifier(
            self.factory,
            self.mailer,
            public_url=self.settings.public_url,
            api_url=self.settings.api_url,
            secret_key=self.secret_key,
        )

    def send_code(self, email: str, code: str) -> None:
        """Deliver a sign-in code (``request_code``'s ``deliver``)."""
        self.mailer.send(sign_in_code_message(email, code))

    @property
    def cache_dir(self) -> Path:
        """Local copies of stored videos for frame previews (S3 storage only)."""
        return self.settings.data_dir / "studio-cache"

    def local_path(self, key: str) -> Path:
        """A local file holding the stored object ``key`` (LocalStorage's own file, else a cached download)."""
        if isinstance(self.storage, LocalStorage):
            return self.storage.path(key)
        target = self.cache_dir / key
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            self.storage.download_file(key, target)
        return target


def build(settings: PoserSettings | None = None, *, tracker: str | None = None) -> Services:
    """Read the settings (``get_settings()`` when ``None``), migrate/open the database, build the rest.

    ``tracker`` overrides the pipeline's tracking backend (:func:`pipeline_settings`).
    """
    from services.database import open_database
    from services.dispatch import make_dispatcher

    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        factory=open_database(settings.database_url),
        storage=make_storage(settings),
        mailer=make_mailer(settings),
        dispatch=make_dispatcher(settings),
        pipeline=pipeline_settings(settings, tracker=tracker),
    )
