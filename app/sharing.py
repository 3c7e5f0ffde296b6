"""Share links in the studio, without Streamlit: make, list and revoke links; read a shared analysis.

The owner's side (My analyses) goes through ``services.shares`` with the signed-in user. The visitor's
side has no user: :func:`resolve` checks the token on every page run, and the page then reads
the results as the analysis's owner (``app.session.shared_results``), so it shows exactly what the
owner's results page shows, through the same ownership-checked reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from services import analyses, shares
from services.composition import Services
from services.shares import SHARE_PARAM, share_url

if TYPE_CHECKING:
    from services.auth import User

#: Session-state key keeping the token of the link a visitor came with (the query parameter goes on page changes).
SHARE_TOKEN = "share_token"

__all__ = [
    "SHARE_PARAM",
    "SHARE_TOKEN",
    "LinkRow",
    "SharedAnalysis",
    "create_link",
    "live_links",
    "resolve",
    "revoke_link",
    "unreachable_link_warning",
]

_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def unreachable_link_warning(public_url: str, request_host: str | None) -> str | None:
    """Why links made from ``public_url`` would not open for anyone else, or ``None`` when they would.

    ``POSER_PUBLIC_URL`` defaults to ``http://localhost:8501``; a deployment that forgets it hands
    out links that open only on the server. The page's own address (the request's ``Host``) tells:
    a loopback public URL seen from a non-loopback address is the forgotten setting.
    """
    link_host = (urlsplit(public_url).hostname or "").lower()
    page_host = (urlsplit(f"//{request_host}").hostname or "").lower() if request_host else ""
    if link_host not in _LOOPBACK_HOSTS or not page_host or page_host in _LOOPBACK_HOSTS:
        return None
    return (
        f"This link starts with {public_url}, which opens only on the server itself: POSER_PUBLIC_URL is not "
        f"set to the address people use (this page is at {request_host}). Ask whoever runs Poser to set it; "
        "links made before then will not open elsewhere either."
    )


@dataclass(frozen=True)
class LinkRow:
    """One live link as My analyses lists it (the token itself is never stored, so never shown again)."""

    id: uuid.UUID
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class SharedAnalysis:
    """What a live token opens: the analysis and the run its results come from (None: no results yet)."""

    analysis_id: uuid.UUID
    owner_id: uuid.UUID
    run_id: uuid.UUID | None


def create_link(svc: Services, user: User, analysis_id: uuid.UUID, *, expires_in_days: int | None = None) -> str:
    """Make a link to the user's analysis and return its URL (shown once: only its hash is stored)."""
    expires_in = timedelta(days=expires_in_days) if expires_in_days else None
    with svc.factory.begin() as session:
        new = shares.create_share(session=session, user=user, analysis_id=analysis_id, expires_in=expires_in)
    return share_url(svc.settings.public_url, new.token)


def live_links(svc: Services, user: User, analysis_id: uuid.UUID) -> list[LinkRow]:
    """The analysis's live links, newest first (``NotFoundError`` if it is not the user's)."""
    with svc.factory() as session:
        links = shares.list_shares(session=session, user=user, analysis_id=analysis_id)
        return [LinkRow(link.id, link.created_at, link.expires_at) for link in links]


def revoke_link(svc: Services, user: User, link_id: uuid.UUID) -> None:
    """Revoke one of the user's links: its URL stops working on the visitor's next page run."""
    with svc.factory.begin() as session:
        shares.revoke_share(session=session, user=user, link_id=link_id)


def resolve(svc: Services, token: str | None) -> SharedAnalysis | None:
    """What a token opens, or None when it is empty, unknown, revoked or expired (checked every time)."""
    with svc.factory() as session:
        analysis_id = shares.resolve_share(session=session, token=token)
        if analysis_id is None:
            return None
        owner = shares.shared_viewer(session=session, analysis_id=analysis_id)
        if owner is None:
            return None
        found = analyses.analysis_detail(session=session, user=owner, analysis_id=analysis_id)
        return SharedAnalysis(analysis_id, owner.id, found["results_run_id"])
