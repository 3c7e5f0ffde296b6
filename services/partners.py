"""Partners: sites that embed the widget, and the origin allow-list that guards the embed endpoints.

A partner has a ``slug`` (its part of every embed URL), a display ``name``, ``allowed_domains`` and an
``active`` flag. Allowed domains are stored as ``host[:port]`` (lower case, IDNA, no scheme, no path,
no default port), so ``https://Shop.Example.com/ski`` and ``shop.example.com:443`` both become
``shop.example.com``; ``http://localhost:3000`` stays ``localhost:3000``.

Functions take the caller's session and never commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Partner, utcnow

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
#: Path segments the embed router uses next to ``{partner_slug}``: no partner may take them.
RESERVED_SLUGS = frozenset({"confirm", "results", "frame", "widget", "widget.js", "api", "static"})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PartnerError(ValueError):
    """A partner change refused, with a reason a person can act on."""


def _host_port(value: str, *, default_scheme: str | None) -> str | None:
    """``host[:port]`` of a URL or bare host, or ``None`` if it is not one (the default port is dropped)."""
    text = value.strip()
    if not text or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text if "://" in text else f"//{text}")
    scheme = parts.scheme.lower() or default_scheme
    if scheme is not None and scheme not in _DEFAULT_PORTS:
        return None
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    if not host or parts.username or parts.password:
        return None
    try:
        host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if not all(_LABEL.match(label) for label in host.split(".")):
        return None
    if port is not None and scheme is not None and port == _DEFAULT_PORTS[scheme]:
        port = None
    return f"{host}:{port}" if port is not None else host


def normalise_domain(value: str) -> str:
    """The stored form of an allowed domain: ``host[:port]`` with no scheme, path or default port.

    Raises
    ------
    PartnerError
        ``value`` is not a host name (or a URL with one).

    Examples
    --------
    >>> normalise_domain("https://Shop.Example.com/ski?x=1")
    'shop.example.com'
    >>> normalise_domain("localhost:3000")
    'localhost:3000'
    >>> normalise_domain("https://example.com:443")
    'example.com'
    """
    domain = _host_port(value, default_scheme=None)
    if domain is None:
        raise PartnerError(f"{value!r} is not a domain (expected host or host:port, e.g. shop.example.com)")
    return domain


def normalise_domains(values: Iterable[str]) -> list[str]:
    """Normalised, de-duplicated domains in their given order."""
    return list(dict.fromkeys(normalise_domain(v) for v in values))


def origin_host(origin_or_referer: str | None) -> str | None:
    """``host[:port]`` of an ``Origin`` or ``Referer`` header (http/https only), else ``None``."""
    if not origin_or_referer or origin_or_referer.strip().lower() == "null" or "://" not in origin_or_referer:
        return None
    return _host_port(origin_or_referer, default_scheme="http")


def origin_allowed(partner: Partner | None, origin_or_referer: str | None) -> bool:
    """Whether a request from ``origin_or_referer`` may use ``partner``'s widget.

    False for a missing partner, an inactive one, a missing or opaque (``null``) origin, and any host
    or port not in the allow-list. Matching is exact on ``host[:port]``: no wildcards, no subdomains.
    """
    if partner is None or not partner.active:
        return False
    host = origin_host(origin_or_referer)
    return host is not None and host in (partner.allowed_domains or [])


def validate_slug(slug: str) -> str:
    """A lower-case slug of letters, digits and inner dashes (≤ 64), not a reserved path segment."""
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise PartnerError(f"{slug!r} is not a valid slug: use a-z, 0-9 and inner dashes (at most 64)")
    if slug in RESERVED_SLUGS:
        raise PartnerError(f"{slug!r} is reserved: choose another slug")
    return slug


def get_partner(*, session: Session, slug: str) -> Partner | None:
    """The partner with this slug (active or not), or ``None``."""
    return session.scalar(select(Partner).where(Partner.slug == slug.strip().lower()))


def active_partner(*, session: Session, slug: str) -> Partner | None:
    """The partner with this slug if it is active, else ``None``."""
    partner = get_partner(session=session, slug=slug)
    return partner if partner is not None and partner.active else None


def list_partners(*, session: Session, include_inactive: bool = True) -> list[Partner]:
    """Partners by slug."""
    query = select(Partner).order_by(Partner.slug)
    if not include_inactive:
        query = query.where(Partner.active.is_(True))
    return list(session.scalars(query))


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise PartnerError("a partner needs a name of 1 to 200 characters")
    return name


def _clean_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip().lower()
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email) or len(email) > 320:
        raise PartnerError(f"{email!r} is not an email address")
    return email


def create_partner(
    *,
    session: Session,
    name: str,
    slug: str,
    allowed_domains: Iterable[str],
    contact_email: str | None = None,
) -> Partner:
    """Add an active partner.

    Raises
    ------
    PartnerError
        Bad slug, name, domain or email; the slug is taken; or no domain is given.
    """
    slug = validate_slug(slug)
    domains = normalise_domains(allowed_domains)
    if not domains:
        raise PartnerError("a partner needs at least one allowed domain")
    if get_partner(session=session, slug=slug) is not None:
        raise PartnerError(f"the slug {slug!r} is taken")
    partner = Partner(
        name=_clean_name(name),
        slug=slug,
        allowed_domains=domains,
        active=True,
        contact_email=_clean_email(contact_email),
    )
    session.add(partner)
    session.flush()
    return partner


def update_partner(
    *,
    session: Session,
    slug: str,
    name: str | None = None,
    allowed_domains: Iterable[str] | None = None,
    contact_email: str | None = None,
    active: bool | None = None,
) -> Partner:
    """Change the given fields of a partner (``None`` leaves a field as it is)."""
    partner = get_partner(session=session, slug=slug)
    if partner is None:
        raise PartnerError(f"no partner {slug!r}")
    if name is not None:
        partner.name = _clean_name(name)
    if allowed_domains is not None:
        domains = normalise_domains(allowed_domains)
        if not domains:
            raise PartnerError("a partner needs at least one allowed domain")
        partner.allowed_domains = domains
    if contact_email is not None:
        partner.contact_email = _clean_email(contact_email)
    if active is not None:
        partner.active = active
    partner.updated_at = utcnow()
    session.flush()
    return partner


def edit_domains(
    current: Iterable[str],
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    replace: Iterable[str] | None = None,
) -> list[str]:
    """The allowed domains after an edit: ``replace`` (when given) or ``current``, minus ``remove``, plus ``add``.

    Raises
    ------
    PartnerError
        A domain is malformed, a removed one is not in the list, or none would be left.

    Examples
    --------
    >>> edit_domains(["a.example.com", "b.example.com"], add=["https://c.example.com"], remove=["b.example.com"])
    ['a.example.com', 'c.example.com']
    """
    domains = normalise_domains(current if replace is None else replace)
    for domain in normalise_domains(remove):
        if domain not in domains:
            raise PartnerError(f"{domain!r} is not an allowed domain of this partner ({', '.join(domains)})")
        domains.remove(domain)
    domains = list(dict.fromkeys([*domains, *normalise_domains(add)]))
    if not domains:
        raise PartnerError("a partner needs at least one allowed domain")
    return domains


def deactivate_partner(*, session: Session, slug: str) -> Partner:
    """Switch a partner's widget off (its analyses stay); every embed endpoint then answers 404."""
    return update_partner(session=session, slug=slug, active=False)
