"""The ``poser`` command: ``poser partner create|list|update|deactivate`` and ``poser user admin|admins``.

Uses the configured database (``DATABASE_URL`` / ``POSER_DATA_DIR``, see :func:`services.settings.get_settings`),
migrated to head on open. ``--database-url`` overrides it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sqlalchemy.orm import Session

from db.models import Partner
from services import admins, partners
from services.embed_snippets import embed_snippets


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="poser", description="Poser administration.")
    parser.add_argument("--database-url", help="database to use (default: DATABASE_URL or the SQLite file)")
    groups = parser.add_subparsers(dest="group", required=True)
    partner = groups.add_parser("partner", help="sites that embed the widget")
    commands = partner.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", help="add a partner")
    create.add_argument("--name", required=True, help="display name, e.g. 'Snow Shop'")
    create.add_argument("--slug", required=True, help="URL part, e.g. snow-shop (a-z, 0-9, dashes)")
    create.add_argument(
        "--domain",
        action="append",
        required=True,
        dest="domains",
        help="allowed domain, host[:port] (repeat for several), e.g. shop.example.com or localhost:3000",
    )
    create.add_argument("--contact-email")

    listing = commands.add_parser("list", help="list partners")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument("--active-only", action="store_true")

    deactivate = commands.add_parser("deactivate", help="switch a partner's widget off")
    deactivate.add_argument("slug")

    update = commands.add_parser(
        "update", help="change a partner's name, domains, contact or active state", description=UPDATE_HELP
    )
    update.add_argument("slug")
    update.add_argument("--name", help="new display name")
    update.add_argument("--add-domain", action="append", default=[], metavar="DOMAIN", help="allow a domain too")
    update.add_argument("--remove-domain", action="append", default=[], metavar="DOMAIN", help="stop allowing one")
    update.add_argument(
        "--set-domain", action="append", metavar="DOMAIN", help="replace the whole list (repeat for several)"
    )
    update.add_argument("--contact-email", help="new contact email ('' clears it)")
    update.add_argument("--active", choices=("on", "off"), help="switch the widget on or off")

    user = groups.add_parser("user", help="studio accounts")
    user_commands = user.add_subparsers(dest="command", required=True)
    admin = user_commands.add_parser("admin", help="make an account an admin (created if new)")
    admin.add_argument("email")
    admin.add_argument("--revoke", action="store_true", help="withdraw admin rights instead")
    user_commands.add_parser("admins", help="list the admins")
    return parser


UPDATE_HELP = (
    "Change only what is given. Domain edits apply in order: --set-domain replaces the list, then "
    "--remove-domain, then --add-domain. A partner keeps at least one domain."
)


def _update(session: Session, args: argparse.Namespace) -> Partner:
    partner = partners.get_partner(session=session, slug=args.slug)
    if partner is None:
        raise partners.PartnerError(f"no partner {args.slug!r}")
    edits_domains = args.set_domain is not None or args.add_domain or args.remove_domain
    domains = (
        partners.edit_domains(
            partner.allowed_domains or [], add=args.add_domain, remove=args.remove_domain, replace=args.set_domain
        )
        if edits_domains
        else None
    )
    if args.name is None and domains is None and args.contact_email is None and args.active is None:
        raise partners.PartnerError("nothing to change: give --name, a domain option, --contact-email or --active")
    return partners.update_partner(
        session=session,
        slug=args.slug,
        name=args.name,
        allowed_domains=domains,
        contact_email=args.contact_email,
        active=None if args.active is None else args.active == "on",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 refused, 2 usage error from argparse)."""
    args = _parser().parse_args(argv)
    from services.database import open_database
    from services.settings import get_settings

    factory = open_database(args.database_url or get_settings().database_url)
    try:
        with factory.begin() as session:
            if args.group == "user":
                _user(session, args)
            elif args.command == "create":
                partner = partners.create_partner(
                    session=session,
                    name=args.name,
                    slug=args.slug,
                    allowed_domains=args.domains,
                    contact_email=args.contact_email,
                )
                print(f"created partner {partner.slug} ({partner.name}): {', '.join(partner.allowed_domains)}")
                print(f"embed: {embed_snippets(get_settings().api_url, partner.slug)['script']}")
            elif args.command == "update":
                partner = _update(session, args)
                state = "active" if partner.active else "inactive"
                print(f"updated partner {partner.slug} ({partner.name}, {state}): {', '.join(partner.allowed_domains)}")
            elif args.command == "deactivate":
                partner = partners.deactivate_partner(session=session, slug=args.slug)
                print(f"deactivated partner {partner.slug}")
            else:
                rows = partners.list_partners(session=session, include_inactive=not args.active_only)
                _print_partners(rows, as_json=args.json)
    except (partners.PartnerError, admins.AdminError) as exc:
        print(f"poser: {exc}", file=sys.stderr)
        return 1
    return 0


def _user(session: Session, args: argparse.Namespace) -> None:
    if args.command == "admin":
        user = admins.set_admin(session=session, email=args.email, is_admin=not args.revoke)
        print(f"{user.email} is {'no longer ' if args.revoke else ''}an admin")
        return
    rows = admins.list_admins(session=session)
    print("\n".join(u.email for u in rows) if rows else "no admins")


def _print_partners(rows: list[partners.Partner], *, as_json: bool) -> None:
    records = [
        {
            "slug": p.slug,
            "name": p.name,
            "active": p.active,
            "allowed_domains": list(p.allowed_domains or []),
            "contact_email": p.contact_email,
        }
        for p in rows
    ]
    if as_json:
        print(json.dumps(records, indent=2))
        return
    if not records:
        print("no partners")
        return
    for r in records:
        state = "active" if r["active"] else "inactive"
        print(f"{r['slug']:<24} {state:<9} {r['name']:<24} {', '.join(r['allowed_domains'])}")


if __name__ == "__main__":
    raise SystemExit(main())
