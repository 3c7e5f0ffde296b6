"""The admin page: only for admins; every analysis, run history, reruns; partners created and edited."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import admin
from db import queries
from services import partners
from services.composition import Services
from tests.app.conftest import REPO, signed_in_app, token_for
from tests.app.stored_results import add_run, get_user, store_analysis, user_id
from tests.app.test_studio import texts

ADMIN = "boss@example.com"


def table_rows(at: AppTest, column: str) -> list[dict]:
    """The rows of the one table with ``column`` (a display-only dataframe carries no key for AppTest)."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame.to_dict("records")


def _admin_page(svc: Services) -> AppTest:
    user_id(svc, ADMIN, is_admin=True)
    return signed_in_app(svc, ADMIN).switch_page("app/pages/admin.py").run()


def test_an_admin_sees_every_analysis_with_owner_latest_run_and_error(svc: Services):
    mine = store_analysis(svc, "anna@example.com", "anna.mp4")
    theirs = store_analysis(svc, "ben@example.com", "ben.mp4")
    add_run(svc, theirs.analysis_id, (), status="failed")
    at = _admin_page(svc)
    assert not at.exception
    assert at.title[0].value == "Admin"
    table = table_rows(at, "owner")
    rows = {r["clip"]: r for r in table}
    assert rows["anna.mp4"]["owner"] == "anna@example.com"
    assert rows["anna.mp4"]["status"] == "succeeded" and rows["anna.mp4"]["latest run"] == 1
    assert rows["ben.mp4"]["owner"] == "ben@example.com"
    assert rows["ben.mp4"]["status"] == "failed" and rows["ben.mp4"]["latest run"] == 2
    assert rows["ben.mp4"]["error"] == "the skier was lost"
    assert mine.analysis_id != theirs.analysis_id


def test_a_non_admin_does_not_get_the_page_and_is_refused_if_the_page_runs(svc: Services):
    store_analysis(svc, "owner@example.com", "secret.mp4")
    user_id(svc, ADMIN, is_admin=True)
    # Through the navigation: the page is not registered for a non-admin, so the default page shows.
    at = signed_in_app(svc, "skier@example.com").switch_page("app/pages/admin.py").run()
    assert not at.exception
    assert at.title[0].value == "New analysis"
    assert at.title[0].value != _admin_page(svc).title[0].value
    # The page itself, run directly (as a typed URL would if it were ever registered): a refusal.
    page = AppTest.from_file(str(REPO / "app/pages/admin.py"), default_timeout=60)
    page.session_state["poser_token"] = token_for(svc, "skier@example.com")
    page.run()
    assert not page.exception
    assert "This page is for admins" in page.error[0].value
    assert "secret.mp4" not in texts(page) and len(page.dataframe) == 0
    # And the logic refuses too.
    skier = get_user(svc, user_id(svc, "skier@example.com"))
    for call in (
        lambda: admin.all_analyses(svc, skier),
        lambda: admin.list_partners(svc, skier),
        lambda: admin.create_partner(svc, skier, slug="x", name="X", domains="x.example.com"),
    ):
        with pytest.raises(admin.AdminOnlyError):
            call()


def test_rerun_from_the_admin_page_queues_a_new_run_and_shows_the_history(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "anna.mp4")
    at = _admin_page(svc)
    at.selectbox(key="admin_analysis").set_value(str(stored.analysis_id)).run()
    history = table_rows(at, "worker")
    assert [(r["run"], r["status"]) for r in history] == [(1, "succeeded")]
    assert at.button(key="admin_rerun").disabled is False
    at.button(key="admin_rerun").click().run()
    assert not at.exception
    assert "Run 2 of anna.mp4 is queued" in texts(at)
    with svc.factory() as session:
        runs = queries.list_runs(session=session, analysis_id=stored.analysis_id)
        assert [(r.run_number, r.status) for r in runs] == [(1, "succeeded"), (2, "queued")]
        assert queries.get_analysis(session=session, analysis_id=stored.analysis_id).status == "queued"
    history = table_rows(at, "worker")
    assert [(r["run"], r["status"]) for r in history] == [(1, "succeeded"), (2, "queued")]
    assert at.button(key="admin_rerun").disabled is True  # queued: not again until it finishes
    with pytest.raises(admin.studio.RerunError):
        admin.rerun(svc, get_user(svc, user_id(svc, ADMIN)), stored.analysis_id)


def test_partners_are_created_edited_and_switched_off_through_the_page(svc: Services):
    at = _admin_page(svc)
    assert "No partners yet" in texts(at)
    at.text_input(key="partner_slug").input("snow-shop")
    at.text_input(key="partner_name").input("Snow Shop")
    at.text_area(key="partner_domains_new").input("https://Shop.Example.com/ski\nlocalhost:3000")
    at.button(key="partner_create").click().run()
    assert not at.exception
    assert "Partner snow-shop created" in texts(at)
    with svc.factory() as session:
        made = partners.get_partner(session=session, slug="snow-shop")
        assert made is not None and made.active and made.name == "Snow Shop"
        assert made.allowed_domains == ["shop.example.com", "localhost:3000"]

    codes = [c.value for c in at.code]  # copy-paste snippets for the partner's site
    assert any('data-partner="snow-shop"' in c and "/embed/widget.js" in c for c in codes)
    assert any("/embed/frame/snow-shop" in c for c in codes) and any("useEffect" in c for c in codes)

    at.text_input(key="partner_slug").input("snow-shop")  # the same slug again: refused with the reason
    at.button(key="partner_create").click().run()
    assert "is taken" in at.error[0].value

    at.text_area(key="partner_domains-snow-shop").input("ski.example.org, https://www.ski.example.org")
    at.button(key="partner_save_domains").click().run()
    assert "Domains of snow-shop saved" in texts(at)
    with svc.factory() as session:
        assert partners.get_partner(session=session, slug="snow-shop").allowed_domains == [
            "ski.example.org",
            "www.ski.example.org",
        ]
    assert at.text_area(key="partner_domains-snow-shop").value == "ski.example.org\nwww.ski.example.org"

    at.text_area(key="partner_domains-snow-shop").input("ftp://ski.example.org")
    at.button(key="partner_save_domains").click().run()
    assert "is not a domain" in at.error[0].value
    with svc.factory() as session:  # nothing saved
        assert partners.get_partner(session=session, slug="snow-shop").allowed_domains[0] == "ski.example.org"

    assert at.button(key="partner_toggle").label == "Deactivate"
    at.button(key="partner_toggle").click().run()
    with svc.factory() as session:
        assert partners.get_partner(session=session, slug="snow-shop").active is False
    assert at.button(key="partner_toggle").label == "Activate"
    at.button(key="partner_toggle").click().run()
    with svc.factory() as session:
        assert partners.get_partner(session=session, slug="snow-shop").active is True
