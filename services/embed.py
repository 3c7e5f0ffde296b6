"""The embed flow: a skier submits a clip through a partner's widget and confirms it by emailed link.

submit → (browser PUTs the file) → upload-complete → ``awaiting_confirmation`` + email → confirm link →
run queued → status / feedback / results.

Tokens
------
- **Confirmation token**: random (``secrets.token_urlsafe(32)``), stored only as its SHA-256 in
  ``embed_confirmation_tokens``, single use (``used_at``), valid for 24 h. Only the emailed link has it.
- **Results token**: ``<analysis id hex>.<HMAC-SHA256(secret, "poser-embed-results:" + id)>``. It is
  derived, not stored: the widget needs it from ``submit`` on (to finish the upload and poll status),
  the confirm page shows it again, and it needs no schema change or second row kind (a second row in
  ``embed_confirmation_tokens`` would be a live confirmation token unless every reader filtered it).
  It cannot be revoked one by one: rotating ``POSER_SECRET_KEY`` revokes all; deleting the analysis
  makes its token lead nowhere.

Functions take the caller's session and never commit, except :func:`upload_complete`, which (like
:func:`services.uploads.confirm_upload`) commits in steps and takes a session factory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.models import Analysis, EmbedConfirmationToken, Partner, User, utcnow
from db.vocabulary import AnalysisStatus
from services import uploads
from services.checks import hash_token, looks_like_email
from services.mail import Message, embed_confirmation_message
from services.rate_limit import RateLimiter
from services.storage import Storage

CONFIRMATION_TTL = timedelta(hours=24)
#: Confirmation emails per skier (email address) per hour: the widget must not become a way to mail-bomb someone.
LINKS_PER_EMAIL_PER_HOUR = 5
#: Submissions per client address per hour (kept in the sidecar's memory: analyses store no address).
SUBMISSIONS_PER_CLIENT_PER_HOUR = 20
#: Submissions through one partner per hour (counted in the database): a ceiling on a hijacked widget.
SUBMISSIONS_PER_PARTNER_PER_HOUR = 300
_RESULTS_CONTEXT = b"poser-embed-results:"


class EmbedError(ValueError):
    """An embed step refused; ``reason`` is a stable code, the message is for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class EmbedNotFoundError(LookupError):
    """No such analysis for this partner and results token (its existence is not revealed)."""


@dataclass(frozen=True)
class Submitted:
    analysis_id: uuid.UUID
    results_token: str
    upload: Any  # services.storage.base.PresignedUpload


@dataclass(frozen=True)
class Confirmed:
    analysis_id: uuid.UUID
    run_id: uuid.UUID
    results_token: str


# --- tokens ---------------------------------------------------------------------------------------


def _results_signature(secret_key: str, analysis_id: uuid.UUID) -> str:
    digest = hmac.new(secret_key.encode(), _RESULTS_CONTEXT + analysis_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def results_token(*, secret_key: str, analysis_id: uuid.UUID) -> str:
    """The results token of an analysis (see the module notes)."""
    return f"{analysis_id.hex}.{_results_signature(secret_key, analysis_id)}"


def analysis_for_results_token(*, secret_key: str, token: str | None) -> uuid.UUID | None:
    """The analysis id a results token grants, or ``None`` for a malformed or forged token."""
    if not token or token.count(".") != 1:
        return None
    id_hex, signature = token.split(".")
    try:
        analysis_id = uuid.UUID(hex=id_hex)
    except ValueError:
        return None
    expected = _results_signature(secret_key, analysis_id)
    return analysis_id if hmac.compare_digest(expected.encode(), signature.encode()) else None


# --- the flow -------------------------------------------------------------------------------------


def submit(
    *,
    session: Session,
    storage: Storage,
    partner: Partner,
    email: str,
    filename: str,
    size_bytes: int,
    content_type: str,
    max_bytes: int,
    secret_key: str,
    client: str | None = None,
    client_limiter: RateLimiter | None = None,
    per_partner_per_hour: int = SUBMISSIONS_PER_PARTNER_PER_HOUR,
    now: datetime | None = None,
) -> Submitted:
    """Start an embed analysis owned by the skier's account (created on first use) and presign its upload.

    ``client_limiter`` (keyed by ``client``, the caller's address) and ``per_partner_per_hour`` cap
    submissions per hour; a refused submission creates nothing.

    Raises
    ------
    EmbedError
        ``invalid_email``, ``upload_refused`` (empty, too large, not a video) or ``rate_limited``.
    """
    address = queries.normalise_email(email)
    if not looks_like_email(address) or len(address) > 320:
        raise EmbedError("invalid_email", f"{email!r} is not an email address")
    if submissions_last_hour(session=session, partner_id=partner.id, now=now) >= per_partner_per_hour:
        raise EmbedError("rate_limited", "This site has sent too many clips this hour: try again later.")
    if client_limiter is not None and not client_limiter.hit(f"embed-submit:{client or 'unknown'}"):
        raise EmbedError("rate_limited", "Too many clips were sent from your network this hour: try again later.")
    user = queries.get_user_by_email(session=session, email=address)
    if user is None:  # the email becomes an account; a sign-in later with the same email finds the analysis
        user = queries.create_user(session=session, email=address)
    try:
        new = uploads.create_upload(
            session=session,
            storage=storage,
            user=user,
            filename=filename,
            size_bytes=size_bytes,
            content_type=content_type,
            max_bytes=max_bytes,
            partner_id=partner.id,
        )
    except uploads.UploadError as exc:
        raise EmbedError("upload_refused", str(exc)) from exc
    token = results_token(secret_key=secret_key, analysis_id=new.analysis_id)
    return Submitted(analysis_id=new.analysis_id, results_token=token, upload=new.upload)


def partner_analysis(
    *, session: Session, partner: Partner, analysis_id: uuid.UUID, token: str | None, secret_key: str
) -> Analysis:
    """The analysis if it came through ``partner`` and ``token`` is its results token, else EmbedNotFoundError."""
    granted = analysis_for_results_token(secret_key=secret_key, token=token)
    analysis = queries.get_analysis(session=session, analysis_id=analysis_id) if granted == analysis_id else None
    if analysis is None or analysis.partner_id != partner.id:
        raise EmbedNotFoundError(f"no analysis {analysis_id}")
    return analysis


def upload_complete(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    partner: Partner,
    analysis_id: uuid.UUID,
    token: str | None,
    secret_key: str,
    box: tuple[float, float, float, float],
    trim_start_s: float,
    trim_end_s: float,
    click_normalized_time: float,
    max_bytes: int,
    max_window_s: float,
    api_url: str,
    send: Callable[[Message], None],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check the uploaded video, record the box, and email the confirmation link.

    The analysis ends ``awaiting_confirmation``; nothing is queued until the link is opened. If the
    mail cannot be sent, the box and token are rolled back (the video stays confirmed), so the call
    can simply be repeated.

    Raises
    ------
    EmbedNotFoundError
        Not this partner's analysis, or a wrong results token.
    EmbedError
        ``upload_refused`` (missing, too large, not a video: the analysis is then deleted) or
        ``bad_prompt`` (box or trim window), ``not_waiting`` (already submitted), or ``rate_limited``
        (:data:`LINKS_PER_EMAIL_PER_HOUR` links went to this email in the last hour).
    """
    with session_factory() as session:
        analysis = partner_analysis(
            session=session, partner=partner, analysis_id=analysis_id, token=token, secret_key=secret_key
        )
        state = analysis.status
    if state == AnalysisStatus.UPLOADING:
        try:
            uploads.confirm_upload(
                session_factory=session_factory,
                storage=storage,
                user=None,
                analysis_id=analysis_id,
                max_bytes=max_bytes,
            )
        except uploads.UploadError as exc:
            raise EmbedError("upload_refused", str(exc)) from exc
    elif state != AnalysisStatus.AWAITING_PROMPT:
        raise EmbedError("not_waiting", "this clip was already submitted: check your email for the link")
    with session_factory.begin() as session:
        try:
            prompt = uploads.PromptChoice(box, trim_start_s, trim_end_s, click_normalized_time, max_window_s)
            uploads.submit_prompt(session=session, user=None, analysis_id=analysis_id, prompt=prompt, queue=False)
        except uploads.UploadError as exc:
            raise EmbedError("bad_prompt", str(exc)) from exc
        analysis = session.get(Analysis, analysis_id)
        owner = session.get(User, analysis.owner_id)
        # What the widget shows of the clip; never where it is stored.
        info = {k: getattr(analysis, k) for k in ("duration_s", "fps", "width", "height")}
        if links_sent_last_hour(session=session, owner_id=owner.id, now=now) >= LINKS_PER_EMAIL_PER_HOUR:
            raise EmbedError("rate_limited", "Too many clips were submitted for this email: try again in an hour.")
        link = new_confirmation_link(session=session, analysis_id=analysis_id, api_url=api_url, now=now)
        send(embed_confirmation_message(owner.email, link, partner_name=partner.name))  # before the commit
    return {"analysis_id": analysis_id, "status": "awaiting_confirmation", **info}


def submissions_last_hour(*, session: Session, partner_id: uuid.UUID, now: datetime | None = None) -> int:
    """How many analyses were started through this partner in the last hour."""
    since = (now or utcnow()) - timedelta(hours=1)
    query = select(func.count()).select_from(Analysis).where(Analysis.partner_id == partner_id)
    return int(session.scalar(query.where(Analysis.created_at > since)) or 0)


def links_sent_last_hour(*, session: Session, owner_id: uuid.UUID, now: datetime | None = None) -> int:
    """How many confirmation links went to this skier's email in the last hour."""
    since = (now or utcnow()) - timedelta(hours=1)
    query = (
        select(func.count())
        .select_from(EmbedConfirmationToken)
        .join(Analysis, Analysis.id == EmbedConfirmationToken.analysis_id)
        .where(Analysis.owner_id == owner_id, EmbedConfirmationToken.created_at > since)
    )
    return int(session.scalar(query) or 0)


def new_confirmation_link(
    *, session: Session, analysis_id: uuid.UUID, api_url: str, now: datetime | None = None
) -> str:
    """Store a fresh confirmation token (hashed) and return the link that carries it."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        EmbedConfirmationToken(
            analysis_id=analysis_id, token_hash=hash_token(token), expires_at=now + CONFIRMATION_TTL, created_at=now
        )
    )
    session.flush()
    return f"{api_url.rstrip('/')}/api/embed/confirm?token={token}"


def _usable_token(session: Session, token: str, now: datetime, *, lock: bool) -> tuple[Any, Analysis]:
    query = select(EmbedConfirmationToken).where(EmbedConfirmationToken.token_hash == hash_token(token))
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise EmbedError("unknown", "This confirmation link is not valid. Copy the whole link from the email.")
    if row.used_at is not None:
        raise EmbedError("used", "This confirmation link was already used: the analysis is already confirmed.")
    if row.expires_at <= now:
        raise EmbedError("expired", "This confirmation link has expired. Submit the clip again to get a new one.")
    analysis = queries.get_analysis(session=session, analysis_id=row.analysis_id)
    if analysis is None or analysis.status != "awaiting_confirmation":
        raise EmbedError("not_waiting", "This analysis is no longer waiting for confirmation.")
    return row, analysis


def check_confirmation(*, session: Session, token: str, now: datetime | None = None) -> Analysis:
    """The analysis a confirmation token would queue, without using the token.

    The emailed link opens a page that only *offers* to confirm: mail scanners fetch links before
    people do, so a GET must not queue anything. Raises like :func:`confirm`.
    """
    return _usable_token(session, token, now or utcnow(), lock=False)[1]


def confirm(*, session: Session, token: str, secret_key: str, now: datetime | None = None) -> Confirmed:
    """Use a confirmation token: mark it used and queue the analysis's first run (the page's POST).

    Raises
    ------
    EmbedError
        ``unknown`` (no such token), ``used`` (used before), ``expired`` (older than 24 h), or
        ``not_waiting`` (the analysis is no longer waiting for confirmation).
    """
    now = now or utcnow()
    row, analysis = _usable_token(session, token, now, lock=True)  # locked: two clicks queue one run
    row.used_at = now
    run = queries.create_run(session=session, analysis_id=analysis.id)
    return Confirmed(
        analysis_id=analysis.id,
        run_id=run.id,
        results_token=results_token(secret_key=secret_key, analysis_id=analysis.id),
    )
