"""The studio under AppTest: a fresh POSER_DATA_DIR per test, Streamlit's caches cleared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.context import Services, build_services
from app.studio import send_sign_in_code, sign_in
from poser_pipeline.synthetic_video import write_moving_figure_clip
from services.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "streamlit_app.py"


def _clear() -> None:
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty POSER_DATA_DIR (SQLite, local storage, mail.log) for the studio and the test."""
    data = tmp_path / "data"
    monkeypatch.setenv("POSER_DATA_DIR", str(data))
    for name in ("DATABASE_URL", "POSER_STORAGE", "POSER_MAIL", "POSER_QUEUE"):
        monkeypatch.delenv(name, raising=False)
    _clear()
    yield data
    _clear()


@pytest.fixture
def svc(data_dir: Path) -> Services:
    """The same services the studio builds (same database file and storage folder)."""
    return build_services()


def new_app() -> AppTest:
    return AppTest.from_file(str(ENTRYPOINT), default_timeout=60)


def latest_code(mail_log: Path, email: str) -> str:
    """The last 6-digit code mailed to ``email`` (LocalMailer's ``mail.log``)."""
    text = mail_log.read_text() if mail_log.exists() else ""
    blocks = [b for b in text.split("=====") if f"To: {email}" in b]
    found = re.findall(r"\b(\d{6})\b", blocks[-1]) if blocks else []
    return found[-1] if found else ""


def token_for(svc: Services, email: str) -> str:
    """Sign ``email`` in through the services (a session token), as the sign-in page does."""
    send_sign_in_code(svc, email)
    return sign_in(svc, email, latest_code(svc.settings.mail_log, email))


def signed_in_app(svc: Services, email: str) -> AppTest:
    at = new_app()
    at.session_state["poser_token"] = token_for(svc, email)
    return at


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, tuple[float, float, float, float]]:
    """A small synthetic clip (30 frames, 25 fps, 320×240) and the figure's box on its first frame."""
    path = tmp_path_factory.mktemp("clip") / "descent.mp4"
    truth = write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=9)
    return path.read_bytes(), tuple(float(v) for v in truth[0])
