"""Bad input through the upload lifecycle: each case answers 4xx with a message a person can act on,
and leaves no row or file it should not (or keeps what it must), on a real app, database and storage.

One test per case, grouped by step (create-upload, PUT, confirm, prompt, sign-in). A new case found in
the wild gets its test here, written to fail before the fix.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from db import queries
from db.models import Analysis, AnalysisRun, Upload
from embed_api.main import create_app
from services import partners, uploads
from services.storage.base import validate_key
from services.storage.local import LocalStorage

SECRET = "bad-input-secret"
SHOP = {"Origin": "https://shop.example.com"}
LIMIT_BYTES = 2 * 2**20
BOX = [70.0, 20.0, 170.0, 200.0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    path = tmp_path_factory.mktemp("bad-input") / "run.mp4"
    write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=3)
    return path.read_bytes()


@dataclass
class Stack:
    api: TestClient
    auth: dict[str, str]
    factory: Any
    storage_root: Path
    queued: list[uuid.UUID]
    codes: dict[str, str]

    def create(self, data: bytes, filename: str = "run.mp4", content_type: str = "video/mp4") -> dict[str, Any]:
        body = {"filename": filename, "size_bytes": len(data), "content_type": content_type}
        response = self.api.post("/api/analyses/create-upload", json=body, headers=self.auth)
        assert response.status_code == 201, response.text
        return response.json()

    def put(self, created: dict[str, Any], data: bytes, **headers: str):
        upload = created["upload"]
        return self.api.put(upload["url"], content=data, headers={**upload["headers"], **headers})

    def confirm(self, analysis_id: str, prompt: dict[str, Any] | None = None):
        body = {"prompt": prompt} if prompt else None
        return self.api.post(f"/api/analyses/{analysis_id}/confirm-upload", json=body, headers=self.auth)

    def stored_files(self) -> list[str]:
        return sorted(str(p.relative_to(self.storage_root)) for p in self.storage_root.rglob("*") if p.is_file())

    def count(self, model) -> int:
        with self.factory() as session:
            return int(session.scalar(select(func.count()).select_from(model)))

    def status(self, analysis_id: str) -> str:
        with self.factory() as session:
            return session.get(Analysis, uuid.UUID(analysis_id)).status


@pytest.fixture
def stack(factory, tmp_path) -> Stack:
    codes: dict[str, str] = {}
    queued: list[uuid.UUID] = []
    root = tmp_path / "storage"
    app = create_app(
        session_factory=factory,
        internal_token="t",
        secret_key=SECRET,
        send_code=codes.__setitem__,
        storage=LocalStorage(root, SECRET, "http://testserver"),
        max_upload_bytes=LIMIT_BYTES,
        dispatch=queued.append,
        send_message=lambda message: None,
    )
    api = TestClient(app)
    api.post("/api/auth/request-code", json={"email": "skier@example.com"})
    token = api.post("/api/auth/verify-code", json={"email": "skier@example.com", "code": codes["skier@example.com"]})
    auth = {"Authorization": f"Bearer {token.json()['token']}"}
    return Stack(api, auth, factory, root, queued, codes)


def prompt(**changes: Any) -> dict[str, Any]:
    return {"bbox": BOX, "trim_start_seconds": 0.0, "trim_end_seconds": 1.0, "click_normalized_time": 0.0} | changes


def _detail(response) -> str:
    detail = response.json()["detail"]
    return detail["message"] if isinstance(detail, dict) else str(detail)


# --- create-upload --------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["descente_éclair.mp4", "Zürich-run.mp4", "スキー.mp4", "run 2 (final).MOV"])
def test_any_filename_uploads_and_keeps_its_name(stack, clip, filename):
    created = stack.create(clip, filename)
    assert stack.put(created, clip).status_code == 200
    confirmed = stack.confirm(created["analysis_id"], prompt())
    assert confirmed.status_code == 200, confirmed.text
    shown = stack.api.get(f"/api/analyses/{created['analysis_id']}", headers=stack.auth).json()
    assert shown["filename"] == filename  # the person's own name, for display and downloads
    (stored,) = stack.stored_files()
    assert validate_key(stored) and stored.isascii()
    assert Path(stored).suffix == Path(filename).suffix


def test_a_widget_upload_with_a_non_ascii_name_is_accepted(stack, clip):
    with stack.factory.begin() as session:
        partners.create_partner(session=session, name="Shop", slug="shop", allowed_domains=["shop.example.com"])
    body = {
        "email": "a@example.com",
        "filename": "Läufer_Ærø.mp4",
        "size_bytes": len(clip),
        "content_type": "video/mp4",
    }
    submitted = stack.api.post("/api/embed/shop/submit", json=body, headers=SHOP)
    assert submitted.status_code == 201, submitted.text
    assert stack.put(submitted.json(), clip).status_code == 200
    box = {"bbox": BOX, "trim_start_seconds": 0.0, "trim_end_seconds": 1.0, "click_normalized_time": 0.0}
    done = stack.api.post(
        "/api/embed/shop/upload-complete",
        json={"analysis_id": submitted.json()["analysis_id"], "prompt": box},
        headers={**SHOP, "X-Results-Token": submitted.json()["results_token"]},
    )
    assert done.status_code == 200, done.text
    assert done.json()["width"] == 320 and "storage_key" not in done.json()  # where it is stored stays inside


def test_a_file_one_byte_over_the_limit_reads_as_over_it(stack):
    body = {"filename": "big.mp4", "size_bytes": LIMIT_BYTES + 1, "content_type": "video/mp4"}
    refused = stack.api.post("/api/analyses/create-upload", json=body, headers=stack.auth)
    assert refused.status_code == 400
    assert _detail(refused) == "the file is 2.1 MB; the limit is 2 MB"
    assert stack.count(Analysis) == 0


# --- the PUT to the upload link -------------------------------------------------------------------


def test_a_put_larger_than_announced_is_refused_as_it_arrives_and_nothing_is_kept(stack, clip):
    created = stack.create(clip)
    chunk = b"\0" * 2**12

    def body():  # no Content-Length: only counting the bytes as they arrive can stop it
        for _ in range(len(clip) // len(chunk) + 2):
            yield chunk

    refused = stack.put(created, body())
    assert refused.status_code == 413, refused.text
    announced = uploads.size_text(len(clip), up=False)
    assert _detail(refused).startswith(f"the file is more than {announced}, larger than the {announced} announced")
    assert stack.stored_files() == []
    assert stack.status(created["analysis_id"]) == "uploading"  # a retry with the right file still works
    assert stack.put(created, clip).status_code == 200


def test_a_declared_length_over_the_announced_size_is_refused_before_reading(stack, clip):
    created = stack.create(clip)
    refused = stack.put(created, clip + b"\0" * 2048)
    assert refused.status_code == 413 and "start a new upload" in _detail(refused)
    assert stack.stored_files() == []


def test_a_cut_off_upload_is_refused_at_confirm_and_can_be_sent_again(stack, clip):
    created = stack.create(clip)
    assert stack.put(created, clip[: len(clip) // 2]).status_code == 200
    refused = stack.confirm(created["analysis_id"], prompt())
    assert refused.status_code == 400
    whole = uploads.size_text(len(clip))
    assert (
        _detail(refused)
        == f"only {uploads.size_text(len(clip) // 2, up=False)} of the {whole} file arrived: upload it again"
    )
    assert stack.stored_files() == [] and stack.status(created["analysis_id"]) == "uploading"
    assert stack.put(created, clip).status_code == 200
    assert stack.confirm(created["analysis_id"], prompt()).status_code == 200


def test_the_upload_link_dies_with_its_confirm(stack, clip):
    created = stack.create(clip)
    stack.put(created, clip)
    assert stack.confirm(created["analysis_id"]).status_code == 200
    replaced = stack.put(created, b"not the checked clip")
    assert replaced.status_code == 410 and "cannot be replaced" in _detail(replaced)
    (stored,) = stack.stored_files()
    assert (stack.storage_root / stored).read_bytes() == clip


def test_the_upload_link_dies_with_its_analysis(stack, clip):
    created = stack.create(clip)
    deleted = stack.api.delete(f"/api/analyses/{created['analysis_id']}", headers=stack.auth)
    assert deleted.status_code == 204
    late = stack.put(created, clip)
    assert late.status_code == 410 and "cancelled" in _detail(late)
    assert stack.stored_files() == []


# --- confirm --------------------------------------------------------------------------------------


def _image_bytes(ext: str) -> bytes:
    image = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(ext, image)
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize(("ext", "kind"), [(".png", "PNG"), (".jpg", "JPEG"), (".webp", "WEBP")])
def test_an_image_sent_as_a_video_is_named_an_image(stack, ext, kind):
    data = _image_bytes(ext)
    created = stack.create(data, f"photo{ext}.mp4")
    stack.put(created, data)
    refused = stack.confirm(created["analysis_id"], prompt())
    assert refused.status_code == 400
    assert _detail(refused) == f"the file is an image ({kind}), not a video: choose the clip itself"
    assert stack.count(Analysis) == 0 and stack.count(Upload) == 0 and stack.stored_files() == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (prompt(bbox=[900, 900, 990, 990]), "lies outside the 320x240 frame"),
        (prompt(bbox=[100, 100, 103, 103]), "the box is 3x3 px: too small to hold a skier"),
        (prompt(trim_start_seconds=1.0, trim_end_seconds=0.5), "the trim window ends (0.5 s) before it starts (1 s)"),
    ],
)
def test_confirm_with_a_bad_prompt_leaves_the_upload_to_confirm_again(stack, clip, bad, message):
    created = stack.create(clip)
    stack.put(created, clip)
    refused = stack.confirm(created["analysis_id"], bad)
    assert refused.status_code == 400 and message in _detail(refused), refused.text
    assert stack.status(created["analysis_id"]) == "uploading" and stack.count(AnalysisRun) == 0
    assert stack.queued == []
    again = stack.confirm(created["analysis_id"], prompt())
    assert again.status_code == 200 and again.json()["status"] == "queued", again.text
    assert stack.queued == [uuid.UUID(again.json()["run_id"])]


# --- sign-in --------------------------------------------------------------------------------------


def test_the_last_wrong_try_is_counted_in_the_singular(stack):
    stack.api.post("/api/auth/request-code", json={"email": "new@example.com"})
    right = stack.codes["new@example.com"]
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    messages = [
        stack.api.post("/api/auth/verify-code", json={"email": "new@example.com", "code": wrong}).json()["detail"]
        for _ in range(4)
    ]
    texts = [m["message"] for m in messages]
    assert "1 try left" in " ".join(texts) and "1 tries" not in " ".join(texts), texts


def test_a_confirm_before_the_file_arrived_says_so_and_leaves_nothing(stack, clip):
    created = stack.create(clip)
    refused = stack.confirm(created["analysis_id"], prompt())
    assert refused.status_code == 400 and _detail(refused) == "the file never arrived: upload it again"
    assert stack.count(Analysis) == 0 and stack.count(Upload) == 0 and stack.stored_files() == []


def test_a_confirm_after_the_analysis_was_deleted_does_not_ask_for_the_file_again(stack, clip):
    created = stack.create(clip)
    stack.put(created, clip)
    assert stack.api.delete(f"/api/analyses/{created['analysis_id']}", headers=stack.auth).status_code == 204
    refused = stack.confirm(created["analysis_id"], prompt())
    assert refused.status_code in (400, 404) and "again" not in _detail(refused), refused.text
    assert stack.stored_files() == []


class _DeletedWhileChecked(LocalStorage):
    """Real local storage whose analysis is deleted (as by its owner) just as the file is fetched."""

    on_download: Any = None

    def download_file(self, key: str, path: Path) -> None:
        self.on_download()
        super().download_file(key, path)


def test_an_analysis_deleted_while_its_file_is_checked_is_named_deleted(factory, tmp_path, clip):
    storage = _DeletedWhileChecked(tmp_path / "storage", SECRET, "http://testserver")
    with factory.begin() as session:
        user = queries.create_user(session=session, email="racer@example.com")
        new = uploads.create_upload(
            session=session,
            storage=storage,
            user=user,
            filename="run.mp4",
            size_bytes=len(clip),
            content_type="video/mp4",
            max_bytes=LIMIT_BYTES,
        )
    storage.put_bytes(new.storage_key, clip)

    def owner_deletes() -> None:
        with factory.begin() as session:
            keys = queries.delete_analysis(session=session, analysis_id=new.analysis_id)
        storage.delete(keys)

    storage.on_download = owner_deletes
    with pytest.raises(uploads.UploadError, match="was deleted while its file was being checked"):
        uploads.confirm_upload(
            session_factory=factory, storage=storage, user=None, analysis_id=new.analysis_id, max_bytes=LIMIT_BYTES
        )
    assert not any(p.is_file() for p in (tmp_path / "storage").rglob("*"))
