"""Emails when a run ends: results ready (with a link) or failed (with the human reason)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.models import User
from services.mail import Mailer, MailError, analysis_failed_message, results_ready_message

log = logging.getLogger(__name__)


def run_finished_notifier(
    session_factory: sessionmaker[Session], mailer: Mailer, *, public_url: str
) -> Callable[[uuid.UUID, bool], None]:
    """A ``LocalWorker(on_finished=...)`` callback that emails the analysis's owner."""

    def notify(run_id: uuid.UUID, succeeded: bool) -> None:
        with session_factory() as session:
            run = queries.get_run(session=session, run_id=run_id)
            analysis = queries.get_analysis(session=session, analysis_id=run.analysis_id) if run else None
            owner = session.get(User, analysis.owner_id) if analysis and analysis.owner_id else None
            if owner is None:
                return
            link = f"{public_url.rstrip('/')}/?analysis={analysis.id}"
            message = (
                results_ready_message(owner.email, link, clip_name=analysis.filename)
                if succeeded
                else analysis_failed_message(
                    owner.email, run.error or "unknown error", url=link, clip_name=analysis.filename
                )
            )
        try:
            mailer.send(message)
        except MailError:  # the results are saved either way; a lost email must not fail the run
            log.exception("could not send the email for run %s", run_id)

    return notify
