"""Partners: domain normalisation, the origin allow-list, and the ``poser partner`` CLI."""

from __future__ import annotations

import json

import pytest

from db.models import Partner
from services import partners
from services.cli import main as poser


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("shop.example.com", "shop.example.com"),
        ("  Shop.Example.COM.  ", "shop.example.com"),
        ("https://shop.example.com/ski/widget?x=1", "shop.example.com"),
        ("https://shop.example.com:443", "shop.example.com"),
        ("http://shop.example.com:80/", "shop.example.com"),
        ("https://shop.example.com:8443", "shop.example.com:8443"),
        ("localhost:3000", "localhost:3000"),
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("example.com:443", "example.com:443"),  # no scheme: the port is kept as given
    ],
)
def test_domains_are_normalised_to_host_and_port(given, stored):
    assert partners.normalise_domain(given) == stored


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "ftp://example.com", "https://", "exa mple.com", "-bad-.com", "a..b", "user:pw@example.com", "x:99999"],
)
def test_bad_domains_are_refused(bad):
    with pytest.raises(partners.PartnerError):
        partners.normalise_domain(bad)


def _partner(domains=("shop.example.com", "localhost:3000"), active=True) -> Partner:
    return Partner(name="Shop", slug="shop", allowed_domains=list(domains), active=active)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example.com", True),
        ("http://shop.example.com", True),
        ("https://shop.example.com:443", True),
        ("https://shop.example.com/a/page?q=1", True),  # a Referer
        ("http://localhost:3000", True),
        ("https://evil.example.com", False),  # other host
        ("https://example.com", False),  # parent domain
        ("https://sub.shop.example.com", False),  # no implicit subdomains
        ("https://shop.example.com.evil.io", False),
        ("https://shop.example.com:8443", False),  # other port
        ("http://localhost:3001", False),
        ("http://localhost", False),
        (None, False),  # missing
        ("", False),
        ("null", False),  # opaque origin (sandboxed frame, file://)
        ("shop.example.com", False),  # not an origin
        ("javascript://shop.example.com", False),
    ],
)
def test_origin_checks(origin, allowed):
    assert partners.origin_allowed(_partner(), origin) is allowed


def test_an_inactive_or_missing_partner_allows_no_origin():
    assert not partners.origin_allowed(_partner(active=False), "https://shop.example.com")
    assert not partners.origin_allowed(None, "https://shop.example.com")


@pytest.mark.parametrize("slug", ["Bad Slug", "-x", "x-", "a" * 65, "confirm", "results", "ü"])
def test_bad_or_reserved_slugs_are_refused(slug):
    with pytest.raises(partners.PartnerError):
        partners.validate_slug(slug)


def test_create_update_deactivate_and_list(factory):
    with factory.begin() as session:
        created = partners.create_partner(
            session=session,
            name=" Snow Shop ",
            slug="Snow-Shop",
            allowed_domains=["https://Shop.example.com/x", "shop.example.com", "localhost:3000"],
            contact_email="Ops@Shop.example.com",
        )
        assert (created.slug, created.name, created.contact_email) == ("snow-shop", "Snow Shop", "ops@shop.example.com")
        assert created.allowed_domains == ["shop.example.com", "localhost:3000"]
        with pytest.raises(partners.PartnerError, match="taken"):
            partners.create_partner(session=session, name="Again", slug="snow-shop", allowed_domains=["a.com"])
        with pytest.raises(partners.PartnerError, match="at least one"):
            partners.create_partner(session=session, name="None", slug="none", allowed_domains=[])
    with factory.begin() as session:
        partners.update_partner(session=session, slug="snow-shop", allowed_domains=["new.example.com"])
        partners.create_partner(session=session, name="B", slug="b-site", allowed_domains=["b.example.com"])
    with factory.begin() as session:
        assert partners.get_partner(session=session, slug="snow-shop").allowed_domains == ["new.example.com"]
        partners.deactivate_partner(session=session, slug="snow-shop")
    with factory() as session:
        assert partners.active_partner(session=session, slug="snow-shop") is None
        assert [p.slug for p in partners.list_partners(session=session)] == ["b-site", "snow-shop"]
        assert [p.slug for p in partners.list_partners(session=session, include_inactive=False)] == ["b-site"]
        with pytest.raises(partners.PartnerError, match="no partner"):
            partners.deactivate_partner(session=session, slug="nobody")


def test_cli_create_list_deactivate(tmp_path, monkeypatch, capsys, clean_settings_env):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path))
    args = ["partner", "create", "--name", "Snow Shop", "--slug", "snow-shop"]
    assert poser([*args, "--domain", "https://shop.example.com", "--domain", "localhost:3000"]) == 0
    assert "created partner snow-shop" in capsys.readouterr().out
    assert poser([*args, "--domain", "x.example.com"]) == 1
    assert "taken" in capsys.readouterr().err
    assert poser(["partner", "create", "--name", "X", "--slug", "x", "--domain", "ftp://x"]) == 1
    assert "not a domain" in capsys.readouterr().err

    assert poser(["partner", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "slug": "snow-shop",
            "name": "Snow Shop",
            "active": True,
            "allowed_domains": ["shop.example.com", "localhost:3000"],
            "contact_email": None,
        }
    ]
    assert poser(["partner", "deactivate", "snow-shop"]) == 0
    assert poser(["partner", "deactivate", "nobody"]) == 1
    capsys.readouterr()
    assert poser(["partner", "list"]) == 0
    assert "inactive" in capsys.readouterr().out
    assert poser(["--database-url", f"sqlite:///{tmp_path / 'other.db'}", "partner", "list"]) == 0
    assert "no partners" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse: a domain is required
        poser(["partner", "create", "--name", "Y", "--slug", "y"])


def test_edit_domains():
    current = ["a.example.com", "b.example.com"]
    assert partners.edit_domains(current, add=["https://C.example.com/x", "a.example.com"]) == [
        "a.example.com",
        "b.example.com",
        "c.example.com",
    ]
    assert partners.edit_domains(current, replace=["x.example.com"], add=["y.example.com"]) == [
        "x.example.com",
        "y.example.com",
    ]
    with pytest.raises(partners.PartnerError, match="not an allowed domain"):
        partners.edit_domains(current, remove=["z.example.com"])
    with pytest.raises(partners.PartnerError, match="at least one"):
        partners.edit_domains(current, remove=current)


def test_cli_update(tmp_path, monkeypatch, capsys, clean_settings_env):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path))
    assert poser(["partner", "create", "--name", "Snow Shop", "--slug", "snow-shop", "--domain", "a.example.com"]) == 0

    def listed() -> dict:
        capsys.readouterr()
        assert poser(["partner", "list", "--json"]) == 0
        return json.loads(capsys.readouterr().out)[0]

    update = ["partner", "update", "snow-shop"]
    assert poser([*update, "--name", "Snow & Ski", "--add-domain", "https://B.example.com:443/x"]) == 0
    assert "updated partner snow-shop (Snow & Ski, active)" in capsys.readouterr().out
    assert listed()["allowed_domains"] == ["a.example.com", "b.example.com"]
    assert poser([*update, "--remove-domain", "a.example.com", "--add-domain", "localhost:3000"]) == 0
    assert listed()["allowed_domains"] == ["b.example.com", "localhost:3000"]
    assert poser([*update, "--set-domain", "c.example.com", "--set-domain", "d.example.com"]) == 0
    assert listed()["allowed_domains"] == ["c.example.com", "d.example.com"]
    assert poser([*update, "--active", "off", "--contact-email", "ops@example.com"]) == 0
    row = listed()
    assert row["active"] is False and row["contact_email"] == "ops@example.com" and row["name"] == "Snow & Ski"
    assert poser([*update, "--active", "on", "--contact-email", ""]) == 0
    row = listed()
    assert row["active"] is True and row["contact_email"] is None

    # refusals change nothing
    for args, why in [
        ([*update, "--remove-domain", "zzz.example.com"], "not an allowed domain"),
        ([*update, "--remove-domain", "c.example.com", "--remove-domain", "d.example.com"], "at least one"),
        ([*update, "--add-domain", "ftp://x"], "not a domain"),
        ([*update, "--name", " "], "name of 1 to 200"),
        ([*update], "nothing to change"),
        (["partner", "update", "nobody", "--name", "X"], "no partner"),
    ]:
        capsys.readouterr()
        assert poser(args) == 1, args
        assert why in capsys.readouterr().err
    assert listed() == row
    with pytest.raises(SystemExit):  # argparse: on or off only
        poser([*update, "--active", "maybe"])


def test_cli_makes_and_withdraws_admins(tmp_path, monkeypatch, capsys, clean_settings_env):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path))
    assert poser(["user", "admins"]) == 0
    assert "no admins" in capsys.readouterr().out
    assert poser(["user", "admin", " Coach@Example.com "]) == 0  # a new account, normalised
    assert "coach@example.com is an admin" in capsys.readouterr().out
    assert poser(["user", "admin", "not-an-email"]) == 1
    assert "not an email address" in capsys.readouterr().err
    assert poser(["user", "admins"]) == 0
    assert capsys.readouterr().out.split() == ["coach@example.com"]
    assert poser(["user", "admin", "coach@example.com", "--revoke"]) == 0
    assert poser(["user", "admin", "nobody@example.com", "--revoke"]) == 1
    assert "no user" in capsys.readouterr().err
    assert poser(["user", "admins"]) == 0
    assert "no admins" in capsys.readouterr().out
