"""The contact form: a message from a visitor, emailed to the team (with a per-address rate limit)."""

from __future__ import annotations

from collections.abc import Callable

from services.checks import looks_like_email
from services.mail import Message
from services.rate_limit import RateLimiter

MAX_PER_HOUR = 5


class ContactError(ValueError):
    """The message was refused; ``rate_limited`` tells a 429 from a 400."""

    def __init__(self, message: str, *, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited


class ContactDesk:
    """Validates and forwards contact messages; remembers recent senders per client address.

    The limit lives in this process (the sidecar runs one); it guards the team's inbox from a
    form being scripted, not from a determined attacker.
    """

    def __init__(self, send: Callable[[Message], None], *, team_address: str, max_per_hour: int = MAX_PER_HOUR):
        self._send = send
        self._team = team_address
        self._limiter = RateLimiter(limit=max_per_hour, window_s=3600.0)

    def submit(self, *, name: str, email: str, message: str, client: str, now: float | None = None) -> None:
        name, email, message = name.strip(), email.strip(), message.strip()
        if not looks_like_email(email):
            raise ContactError(f"{email!r} is not an email address")
        if not message:
            raise ContactError("the message is empty")
        if not self._limiter.hit(client, now=now):
            raise ContactError("too many messages from here: try again in an hour", rate_limited=True)
        self._send(
            Message(
                to=self._team,
                subject=f"Poser contact form: {name or email}",
                text=f"From: {name} <{email}>\n\n{message}\n",
            )
        )
