"""The landing page under AppTest: the example result from the synthetic skier and the contact form."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app.results_view_sample import sample_result
from services.contact import MAX_PER_HOUR
from tests.app.conftest import new_app


def _chart(at: AppTest, key: str) -> dict:
    (element,) = [e for e in at.get("plotly_chart") if e.proto.id.endswith(f"-{key}")]
    return json.loads(element.proto.spec)


def _send(at: AppTest, *, name: str, email: str, message: str) -> AppTest:
    at.text_input(key="contact_name").input(name)
    at.text_input(key="contact_email").input(email)
    at.text_area(key="contact_message").input(message)
    return at.button(key="FormSubmitter:contact-Send").click().run()


def test_the_example_result_is_labelled_and_has_every_turn(data_dir):
    at = new_app().run()
    assert not at.exception
    assert any("Example (synthetic skier)" in m.value for m in at.markdown)
    segments = sample_result().turns["segments"]
    timeline = _chart(at, "sample_turn_timeline")
    assert timeline["layout"]["title"]["text"].startswith("Example (synthetic skier)")
    assert len([t for t in timeline["data"] if t["type"] == "bar" and t["y"] == ["turns"]]) == len(segments)
    bars = _chart(at, "sample_edge_similarity_chart")
    assert bars["layout"]["title"]["text"].startswith("Example (synthetic skier)")
    assert bars["data"][0]["x"] == [f"Turn {s['segment_index'] + 1} ({s['direction']})" for s in segments]
    assert "Sign in to start" in [link.proto.label for link in at.get("page_link")]


def test_the_contact_form_mails_the_team(data_dir: Path):
    at = _send(new_app().run(), name="Ann Skier", email="ann@example.com", message="Do you analyse snowboarders?")
    assert not at.exception
    assert "your message was sent" in at.success[0].value
    log = (data_dir / "mail.log").read_text()
    assert "Subject: Poser contact form: Ann Skier" in log
    assert "From: Ann Skier <ann@example.com>" in log
    assert "Do you analyse snowboarders?" in log


def test_the_contact_form_refuses_a_bad_address_and_sends_nothing(data_dir: Path):
    at = _send(new_app().run(), name="Bob", email="bob-at-example", message="Hello")
    assert not at.exception
    assert not at.success
    assert "'bob-at-example' is not an email address" in at.error[0].value
    assert not (data_dir / "mail.log").exists() or "Poser contact form" not in (data_dir / "mail.log").read_text()


def test_the_contact_form_is_rate_limited(data_dir: Path):
    at = new_app().run()
    for i in range(MAX_PER_HOUR):
        at = _send(at, name="Eve", email="eve@example.com", message=f"message {i}")
        assert at.success, i
    at = _send(at, name="Eve", email="eve@example.com", message="one too many")
    assert not at.success, at.success[0].value
    assert "too many messages" in at.error[0].value
    assert (data_dir / "mail.log").read_text().count("Poser contact form: Eve") == MAX_PER_HOUR
