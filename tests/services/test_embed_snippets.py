"""The copy-paste snippets point at the widget and frame routes the sidecar really serves."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.embed_snippets import REACT_TARGET_ID, embed_snippets


def test_snippets_name_the_partner_and_the_real_routes(tmp_path, monkeypatch, clean_settings_env):
    from embed_api.main import app_from_settings

    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path))
    snippets = embed_snippets("https://api.example.com/", "snow-shop")
    assert snippets["script"] == (
        '<script src="https://api.example.com/embed/widget.js" data-partner="snow-shop"></script>'
    )
    assert 'src="https://api.example.com/embed/frame/snow-shop"' in snippets["iframe"]
    react = snippets["react"]
    assert 'script.dataset.partner = "snow-shop";' in react and f'id="{REACT_TARGET_ID}"' in react
    assert f'script.dataset.target = "#{REACT_TARGET_ID}";' in react

    client = TestClient(app_from_settings())
    paths = {
        m.removeprefix("https://api.example.com") for s in snippets.values() for m in re.findall(r"https://[^\"]+", s)
    }
    assert paths == {"/embed/widget.js", "/embed/frame/snow-shop"}
    widget = client.get("/embed/widget.js")
    assert widget.status_code == 200 and "data-target" in widget.text  # the React snippet relies on it
