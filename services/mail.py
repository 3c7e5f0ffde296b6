"""Outgoing mail: a local backend (console + ``<data_dir>/mail.log``, the default) and SMTP.

Build the configured backend with :func:`make_mailer`; build messages with the ``*_message``
functions (plain text plus a simple HTML alternative) and hand them to :meth:`Mailer.send`.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
import sys
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.settings import PoserSettings

log = logging.getLogger(__name__)

SIGN_IN_CODE_TTL_MINUTES = 10


class MailError(Exception):
    """A message could not be handed to the mail server."""


@dataclass(frozen=True)
class Message:
    """One email: recipient, subject, plain-text body and an optional HTML alternative."""

    to: str
    subject: str
    text: str
    html: str | None = None

    def to_email(self, from_addr: str) -> EmailMessage:
        """The MIME message (``multipart/alternative`` when there is HTML)."""
        msg = EmailMessage()
        msg["From"] = from_addr
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="poser.local")
        msg.set_content(self.text)
        if self.html is not None:
            msg.add_alternative(self.html, subtype="html")
        return msg


class Mailer(ABC):
    """Sends :class:`Message` objects from ``from_addr``."""

    from_addr: str

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise :class:`MailError`."""


class LocalMailer(Mailer):
    """Development mail: prints each message and appends it to ``<data_dir>/mail.log``.

    Nothing leaves the machine; sign-in codes and links are read from the console or the log.
    """

    def __init__(self, data_dir: str | Path, *, from_addr: str = "Poser <noreply@localhost>", echo: bool = True):
        self.log_path = Path(data_dir) / "mail.log"
        self.from_addr = from_addr
        self.echo = echo
        self._lock = threading.Lock()

    def format(self, message: Message) -> str:
        """The readable block written for ``message``."""
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        return (
            f"===== {stamp} =====\n"
            f"From: {self.from_addr}\nTo: {message.to}\nSubject: {message.subject}\n\n"
            f"{message.text.rstrip()}\n\n"
        )

    def send(self, message: Message) -> None:
        block = self.format(message)
        try:
            with self._lock:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(block)
        except OSError as exc:
            raise MailError(f"could not append to {self.log_path}: {exc}") from exc
        log.info("mail to %s: %s (written to %s)", message.to, message.subject, self.log_path)
        if self.echo:
            print(block, file=sys.stdout, flush=True)


class SmtpMailer(Mailer):
    """Mail through an SMTP server (``smtplib``), with STARTTLS and login when configured."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        from_addr: str = "Poser <noreply@localhost>",
        timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.user, self.password = user, password
        self.starttls = starttls
        self.from_addr = from_addr
        self.timeout_s = timeout_s

    def send(self, message: Message) -> None:
        email = message.to_email(self.from_addr)
        where = f"{self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"could not send mail to {message.to} via SMTP server {where}: {exc}") from exc
        if refused:
            raise MailError(f"SMTP server {where} refused recipients: {refused}")


def make_mailer(settings: PoserSettings) -> Mailer:
    """The backend ``settings.mail`` names: :class:`SmtpMailer` or :class:`LocalMailer`."""
    if settings.mail == "smtp":
        assert settings.smtp_host  # guaranteed by the settings validator
        password = settings.smtp_password
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            user=settings.smtp_user,
            password=password.get_secret_value() if password else None,
            starttls=settings.smtp_starttls,
            from_addr=settings.mail_from,
        )
    return LocalMailer(settings.data_dir, from_addr=settings.mail_from)


# -- message builders ----------------------------------------------------------------------------


def _html(*paragraphs: str, link: tuple[str, str] | None = None) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    if link is not None:
        label, url = link
        body += f'<p><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></p>'
    return f'<!doctype html><html><body style="font-family: sans-serif">{body}<p>— Poser</p></body></html>'


def sign_in_code_message(to: str, code: str, *, ttl_minutes: int = SIGN_IN_CODE_TTL_MINUTES) -> Message:
    """The 6-digit sign-in code, valid for ``ttl_minutes``."""
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError("a sign-in code is exactly 6 digits")
    text = (
        f"Your Poser sign-in code is {code}\n\n"
        f"It expires in {ttl_minutes} minutes. If you did not try to sign in, ignore this email.\n"
    )
    return Message(
        to=to,
        subject=f"Your Poser sign-in code: {code}",
        text=text,
        html=_html(
            f'Your Poser sign-in code is <strong style="font-size: 1.5em; letter-spacing: 0.2em">{code}</strong>',
            f"It expires in {ttl_minutes} minutes. If you did not try to sign in, ignore this email.",
        ),
    )


def email_change_message(to: str, url: str) -> Message:
    """A link (carrying the email-change token) that confirms ``to`` as the account's new address."""
    text = (
        "Confirm your new email address for Poser by opening this link:\n\n"
        f"{url}\n\nIf you did not ask for this change, ignore this email; nothing changes.\n"
    )
    return Message(
        to=to,
        subject="Confirm your new Poser email address",
        text=text,
        html=_html(
            "Confirm your new email address for Poser.",
            "If you did not ask for this change, ignore this email; nothing changes.",
            link=("Confirm this address", url),
        ),
    )


def embed_confirmation_message(to: str, url: str, *, partner_name: str | None = None) -> Message:
    """The link a skier opens to confirm an analysis submitted through a partner's widget."""
    where = f" on {partner_name}" if partner_name else ""
    text = (
        f"You submitted a ski clip for analysis{where}. Open this link to confirm it and start the analysis:\n\n"
        f"{url}\n\nIf this was not you, ignore this email; the clip will not be analysed.\n"
    )
    return Message(
        to=to,
        subject="Confirm your Poser analysis",
        text=text,
        html=_html(
            html.escape(f"You submitted a ski clip for analysis{where}."),
            "If this was not you, ignore this email; the clip will not be analysed.",
            link=("Confirm and start the analysis", url),
        ),
    )


def results_ready_message(to: str, url: str, *, clip_name: str | None = None) -> Message:
    """The analysis finished: a link to its results."""
    what = f"The analysis of {clip_name}" if clip_name else "Your analysis"
    return Message(
        to=to,
        subject="Your Poser results are ready",
        text=f"{what} is ready. See the results here:\n\n{url}\n",
        html=_html(html.escape(f"{what} is ready."), link=("See the results", url)),
    )


def analysis_failed_message(to: str, reason: str, *, url: str | None = None, clip_name: str | None = None) -> Message:
    """The analysis failed, with the human-readable ``reason`` (and a link to retry when given)."""
    what = f"The analysis of {clip_name}" if clip_name else "Your analysis"
    text = f"{what} could not be completed.\n\nReason: {reason}\n"
    if url:
        text += f"\nYou can adjust the clip or the box and try again here:\n\n{url}\n"
    return Message(
        to=to,
        subject="Your Poser analysis failed",
        text=text,
        html=_html(
            html.escape(f"{what} could not be completed."),
            f"Reason: {html.escape(reason)}",
            link=("Try again", url) if url else None,
        ),
    )
