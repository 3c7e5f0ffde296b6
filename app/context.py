"""The studio's process-wide services: settings, database, storage, mailer and queue dispatch, built once.

Nothing here imports Streamlit: :func:`build_services` is plain Python (tests call it), and
:func:`app.session.services` caches it per process with ``st.cache_resource``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from services.mail import Mailer, make_mailer, sign_in_code_message
from services.settings import PoserSettings, get_settings
from services.storage import LocalStorage, Storage, make_storage

log = logging.getLogger(__name__)


def _poll_only(run_id: uuid.UUID) -> None:
    """The local queue's dispatch: nothing to send, local workers poll the database."""


@dataclass(frozen=True)
class Services:
    """What every page needs: one of each per process."""

    settings: PoserSettings
    factory: sessionmaker[Session]
    storage: Storage
    mailer: Mailer
    #: Hands a committed, queued run to the queue (``services.dispatch.make_dispatcher``).
    dispatch: Callable[[uuid.UUID], None] = field(default=_poll_only)

    def queue_run(self, run_id: uuid.UUID) -> None:
        """Tell the queue about a run committed as ``queued``.

        A failed hand-over is logged, not raised: the run row is the record, so a local worker or a
        resend still picks it up, and the person should not see an error for a run that exists.
        """
        try:
            self.dispatch(run_id)
        except Exception:  # the broker's errors vary (kombu, redis, socket): the run stays queued either way
            log.exception("could not hand run %s to the queue; it stays queued in the database", run_id)

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key.get_secret_value()

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


def build_services(settings: PoserSettings | None = None) -> Services:
    """Read the settings, migrate/open the database and build storage and mailer."""
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
    )
