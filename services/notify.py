"""Emails when a run ends: results ready (with a link) or failed (with the human reason), once per run.

Runs end on several paths: a local or Celery worker finishes, a remote worker reports its final
status to the sidecar, a sweep fails a run whose worker went silent. Each path calls
:meth:`RunNotifier.notify` when it knows a run ended, and upkeep rounds call
:meth:`RunNotifier.notify_pending` for anything a crash left unannounced. The run row decides:
:func:`db.queries.claim_run_notification` lets exactly one caller announce it, and the message is
read from the row's final status, never from what one worker believes happened.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.models import AnalysisRun, RunStatus, User, utcnow
from services.embed import results_token
from services.mail import Mailer, MailError, Message, analysis_failed_message, results_ready_message

log = logging.getLogger(__name__)

#: Runs that ended longer ago are not announced by the pending sweep: a late email about an old run
#: would confuse more than it tells.
PENDING_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class RunNotifier:
    """Announce finished runs to their owners through ``mailer``.

    ``public_url`` is the studio (signed-in users' results), ``api_url`` the sidecar (an embed
    submission's results page, by its results token signed with ``secret_key``).
    """

    session_factory: sessionmaker[Session]
    mailer: Mailer
    public_url: str
    api_url: str
    secret_key: str

    def __call__(self, run_id: uuid.UUID, succeeded: bool | None = None) -> None:
        """``LocalWorker(on_finished=...)``: the worker's own view (``succeeded``) is not trusted."""
        self.notify(run_id)

    def notify(self, run_id: uuid.UUID) -> bool:
        """Email the owner that this run ended, unless it has not ended or was announced; True if sent."""
        with self.session_factory.begin() as session:
            run = queries.claim_run_notification(session=session, run_id=run_id)
            message = self._message(session, run) if run is not None else None
        if message is None:
            return False
        try:
            self.mailer.send(message)
        except MailError:  # the results are saved either way; a lost email must not fail the run
            log.exception("could not send the email for run %s", run_id)
            return False
        return True

    def notify_pending(self) -> int:
        """Announce every run that ended in the last :data:`PENDING_WINDOW` unannounced; returns how many."""
        with self.session_factory() as session:
            run_ids = queries.unannounced_finished_runs(session=session, finished_since=utcnow() - PENDING_WINDOW)
        return sum(self.notify(run_id) for run_id in run_ids)

    def _message(self, session: Session, run: AnalysisRun) -> Message | None:
        analysis = queries.get_analysis(session=session, analysis_id=run.analysis_id)
        owner = session.get(User, analysis.owner_id) if analysis and analysis.owner_id else None
        if analysis is None or owner is None:
            return None
        if analysis.partner_id is not None:  # an embed submission: its owner has no studio account to sign in to
            token = results_token(secret_key=self.secret_key, analysis_id=analysis.id)
            link = f"{self.api_url.rstrip('/')}/api/embed/results/{token}"
        else:
            link = f"{self.public_url.rstrip('/')}/?analysis={analysis.id}"
        if run.status == RunStatus.SUCCEEDED.value:
            return results_ready_message(owner.email, link, clip_name=analysis.filename)
        reason = run.error or "the analysis stopped without a reason"
        return analysis_failed_message(owner.email, reason, url=link, clip_name=analysis.filename)
