"""The admin page's logic, without Streamlit: every analysis, run history, reruns, partners.

Every function checks :func:`require_admin` first, so the page's own check is not the only guard.
Partner changes go through ``services.partners`` (its normalisation and checks); they raise
``PartnerError`` with a reason the page shows.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app import studio
from db import queries
from db.models import AnalysisRun, Partner, User
from services import partners
from services.composition import Services
from services.partners import PartnerError

__all__ = ["AdminOnlyError", "PartnerError"]


class AdminOnlyError(PermissionError):
    """The signed-in person is not an admin."""


def require_admin(user: User | None) -> User:
    """``user`` if it is an admin, else :class:`AdminOnlyError`."""
    if user is None or not user.is_admin:
        raise AdminOnlyError("this page is for admins")
    return user


@dataclass(frozen=True)
class AnalysisRow:
    """One analysis of anyone's, with its latest run."""

    id: uuid.UUID
    owner_email: str  # "" for an embed analysis without an account
    filename: str
    status: str
    created_at: datetime
    latest_run_number: int | None
    latest_run_status: str | None
    error: str | None  # the latest run's, else the analysis's error log


@dataclass(frozen=True)
class RunRow:
    """One run in an analysis's history."""

    id: uuid.UUID
    run_number: int
    status: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None  # the claiming worker's id
    pipeline_version: str | None
    num_frames: int | None


@dataclass(frozen=True)
class PartnerRow:
    slug: str
    name: str
    domains: list[str]
    active: bool
    contact_email: str | None


def all_analyses(svc: Services, user: User) -> list[AnalysisRow]:
    """Every analysis, newest first, with owner email and latest run (three queries, however many rows)."""
    require_admin(user)
    with svc.factory() as session:
        rows = queries.list_analyses(session=session, owner_id=None)
        emails: dict[uuid.UUID, str] = {uid: email for uid, email in session.execute(select(User.id, User.email))}
        newest = (
            select(AnalysisRun.analysis_id, func.max(AnalysisRun.run_number).label("n"))
            .group_by(AnalysisRun.analysis_id)
            .subquery()
        )
        latest = {
            run.analysis_id: run
            for run in session.scalars(
                select(AnalysisRun).join(
                    newest,
                    (AnalysisRun.analysis_id == newest.c.analysis_id) & (AnalysisRun.run_number == newest.c.n),
                )
            )
        }
        out = []
        for a in rows:
            run = latest.get(a.id)
            out.append(
                AnalysisRow(
                    id=a.id,
                    owner_email=emails.get(a.owner_id, "") if a.owner_id else "",
                    filename=a.filename or "",
                    status=a.status,
                    created_at=a.created_at,
                    latest_run_number=run.run_number if run else None,
                    latest_run_status=run.status if run else None,
                    error=(run.error if run and run.error else None) or a.error_log,
                )
            )
    return out


def run_history(svc: Services, user: User, analysis_id: uuid.UUID) -> list[RunRow]:
    """Every run of one analysis, oldest first (``NotFoundError`` if there is no such analysis)."""
    require_admin(user)
    with svc.factory() as session:
        if queries.get_analysis(session=session, analysis_id=analysis_id) is None:
            raise studio.NotFoundError(f"no analysis {analysis_id}")
        return [
            RunRow(
                id=r.id,
                run_number=r.run_number,
                status=r.status,
                error=r.error,
                created_at=r.created_at,
                started_at=r.started_at,
                finished_at=r.finished_at,
                worker=r.claimed_by,
                pipeline_version=r.pipeline_version,
                num_frames=r.num_frames,
            )
            for r in queries.list_runs(session=session, analysis_id=analysis_id)
        ]


def rerun(svc: Services, user: User, analysis_id: uuid.UUID) -> uuid.UUID:
    """Queue a new run of anyone's finished analysis and hand it to the queue (``RerunError`` if unfinished)."""
    return studio.rerun(svc, require_admin(user), analysis_id)


def parse_domains(text: str) -> list[str]:
    """Domains typed one per line or separated by commas/spaces (normalised later by ``services.partners``).

    Examples
    --------
    >>> parse_domains("shop.example.com, https://ski.example.org\\nlocalhost:3000")
    ['shop.example.com', 'https://ski.example.org', 'localhost:3000']
    """
    return [part for part in re.split(r"[\s,]+", text) if part]


def _row(partner: Partner) -> PartnerRow:
    return PartnerRow(partner.slug, partner.name, list(partner.allowed_domains), partner.active, partner.contact_email)


def list_partners(svc: Services, user: User) -> list[PartnerRow]:
    """Every partner (active or not), by slug."""
    require_admin(user)
    with svc.factory() as session:
        return [_row(p) for p in partners.list_partners(session=session)]


def create_partner(
    svc: Services, user: User, *, slug: str, name: str, domains: str, contact_email: str | None = None
) -> PartnerRow:
    """Add an active partner (``PartnerError``: bad slug/name/domain/email, slug taken, no domain)."""
    require_admin(user)
    with svc.factory.begin() as session:
        partner = partners.create_partner(
            session=session,
            slug=slug,
            name=name,
            allowed_domains=parse_domains(domains),
            contact_email=contact_email or None,
        )
        return _row(partner)


def set_domains(svc: Services, user: User, slug: str, domains: str) -> PartnerRow:
    """Replace a partner's allowed domains (``PartnerError`` for a bad domain or none at all)."""
    require_admin(user)
    with svc.factory.begin() as session:
        return _row(partners.update_partner(session=session, slug=slug, allowed_domains=parse_domains(domains)))


def set_active(svc: Services, user: User, slug: str, active: bool) -> PartnerRow:
    """Switch a partner's widget on or off (its analyses stay either way)."""
    require_admin(user)
    with svc.factory.begin() as session:
        if not active:
            return _row(partners.deactivate_partner(session=session, slug=slug))
        return _row(partners.update_partner(session=session, slug=slug, active=True))
