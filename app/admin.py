"""The admin page's logic, without Streamlit: every analysis, run history, reruns, partners.

Every function checks :func:`require_admin` first, so the page's own check is not the only guard.
Partner changes go through ``services.partners`` (its normalisation and checks); they raise
``PartnerError`` with a reason the page shows.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import studio
from services import overview, partners
from services.admins import AdminOnlyError, require_admin
from services.composition import Services
from services.overview import AnalysisRow, RunRow
from services.partners import PartnerError

if TYPE_CHECKING:
    from services.auth import User
    from services.partners import Partner

__all__ = ["AdminOnlyError", "AnalysisRow", "PartnerError", "RunRow", "require_admin"]


@dataclass(frozen=True)
class PartnerRow:
    slug: str
    name: str
    domains: list[str]
    active: bool
    contact_email: str | None


def all_analyses(svc: Services, user: User) -> list[AnalysisRow]:
    """Every analysis, newest first, with owner email and latest run."""
    with svc.factory() as session:
        return overview.all_analyses(session=session, user=user)


def run_history(svc: Services, user: User, analysis_id: uuid.UUID) -> list[RunRow]:
    """Every run of one analysis, oldest first (``NotFoundError`` if there is no such analysis)."""
    with svc.factory() as session:
        return overview.run_history(session=session, user=user, analysis_id=analysis_id)


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
