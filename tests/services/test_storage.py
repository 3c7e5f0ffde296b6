from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from services.settings import PoserSettings
from services.storage import (
    InvalidKeyError,
    LocalStorage,
    ObjectNotFoundError,
    SignatureError,
    Storage,
    UploadTooLargeError,
    content_disposition,
    make_storage,
    validate_key,
)
from services.storage.s3 import S3Storage

pytestmark = pytest.mark.usefixtures("clean_settings_env")

SECRET = "test-secret"
API = "http://api.test"


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage", SECRET, API)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    """The same behaviour suite on both backends."""
    return request.getfixturevalue(f"{request.param}_storage")


# -- behaviour shared by both backends ------------------------------------------------------------


def test_put_read_size_exists(storage: Storage, tmp_path: Path) -> None:
    storage.put_bytes("runs/1/run.json", b'{"ok": true}', content_type="application/json")
    src = tmp_path / "overlay.mp4"
    src.write_bytes(b"\x00" * 5000)
    storage.put_file("runs/1/overlay.mp4", src, content_type="video/mp4")
    assert storage.read("runs/1/run.json") == b'{"ok": true}'
    assert storage.size("runs/1/overlay.mp4") == 5000
    assert storage.exists("runs/1/overlay.mp4")
    assert not storage.exists("runs/1/missing.csv")
    with storage.open("runs/1/overlay.mp4") as f:
        assert f.read(10) == b"\x00" * 10
    out = tmp_path / "copy" / "o.mp4"
    out.parent.mkdir()
    storage.download_file("runs/1/overlay.mp4", out)
    assert out.read_bytes() == src.read_bytes()


def test_put_replaces(storage: Storage) -> None:
    storage.put_bytes("a/b.txt", b"one")
    storage.put_bytes("a/b.txt", b"second")
    assert storage.read("a/b.txt") == b"second"


def test_missing_object_raises(storage: Storage) -> None:
    for call in (storage.read, storage.size):
        with pytest.raises(ObjectNotFoundError):
            call("nope/x.bin")
    with pytest.raises(FileNotFoundError):  # also a FileNotFoundError for callers that expect one
        storage.open("nope/x.bin")


def test_put_stream_counts_and_limits(storage: Storage) -> None:
    assert storage.put_stream("up/a.bin", io.BytesIO(b"x" * 100), max_bytes=100) == 100
    assert storage.size("up/a.bin") == 100
    with pytest.raises(UploadTooLargeError):
        storage.put_stream("up/b.bin", io.BytesIO(b"x" * 101), max_bytes=100)
    assert not storage.exists("up/b.bin")


def test_delete_and_delete_prefix(storage: Storage) -> None:
    for key in ("runs/1/a.csv", "runs/1/sub/b.csv", "runs/10/c.csv", "uploads/u.mp4"):
        storage.put_bytes(key, b"data")
    storage.delete(["uploads/u.mp4", "uploads/never-existed.mp4"])
    assert not storage.exists("uploads/u.mp4")
    assert storage.delete_prefix("runs/1/") == 2
    assert not storage.exists("runs/1/a.csv") and not storage.exists("runs/1/sub/b.csv")
    assert storage.exists("runs/10/c.csv")  # folder semantics: runs/1/ does not match runs/10/
    assert storage.delete_prefix("runs/1/") == 0
    with pytest.raises(InvalidKeyError):
        storage.delete_prefix("runs/1")


def test_list_objects_sees_a_folder_with_sizes_and_times(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    for key, data in (("runs/1/a.csv", b"ab"), ("runs/1/sub/b.csv", b"abc"), ("runs/10/c.csv", b"x")):
        storage.put_bytes(key, data)
    listed = {obj.key: obj for obj in storage.list_objects("runs/1/")}
    assert {k: o.size_bytes for k, o in listed.items()} == {"runs/1/a.csv": 2, "runs/1/sub/b.csv": 3}
    assert all(before <= o.modified_at <= datetime.now(UTC) + timedelta(seconds=5) for o in listed.values())
    assert list(storage.list_objects("nothing/")) == []


def test_move_replaces_the_target_and_removes_the_source(storage: Storage) -> None:
    storage.put_bytes("uploads/1/clip.mp4", b"clip")
    storage.put_bytes("analyses/1/input/clip.mp4", b"old")
    storage.move("uploads/1/clip.mp4", "analyses/1/input/clip.mp4")
    assert storage.read("analyses/1/input/clip.mp4") == b"clip"
    assert not storage.exists("uploads/1/clip.mp4")
    with pytest.raises(ObjectNotFoundError):
        storage.move("uploads/1/clip.mp4", "analyses/1/input/other.mp4")
    assert not storage.exists("analyses/1/input/other.mp4")


def test_confirm_upload_enforces_the_size_limit(storage: Storage) -> None:
    storage.put_bytes("uploads/ok.mp4", b"x" * 10)
    assert storage.confirm_upload("uploads/ok.mp4", max_bytes=10) == 10
    storage.put_bytes("uploads/big.mp4", b"x" * 11)
    with pytest.raises(UploadTooLargeError, match="11 bytes"):
        storage.confirm_upload("uploads/big.mp4", max_bytes=10)
    assert not storage.exists("uploads/big.mp4")


@pytest.mark.parametrize("key", ["", "/abs/path", "a/../b", "../x", "a//b", "a/.hidden", "a/b/", "a\\b", "a b", "é"])
def test_bad_keys_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        storage.put_bytes(key, b"x")
    with pytest.raises(InvalidKeyError):
        storage.presign_download(key)


def test_validate_key_accepts_normal_keys() -> None:
    assert validate_key("uploads/3f2a/input.mp4") == "uploads/3f2a/input.mp4"
    assert validate_key("runs/7/", prefix=True) == "runs/7/"
    with pytest.raises(InvalidKeyError):
        validate_key("x" * 1025)


def test_content_disposition_is_header_safe() -> None:
    value = content_disposition('my "run" ✓.mp4')
    assert value.startswith('attachment; filename="my _run_ _.mp4"')
    assert "filename*=UTF-8''my%20%22run%22%20%E2%9C%93.mp4" in value


# -- local backend: atomic writes and signed URLs ------------------------------------------------------


def test_local_write_is_atomic(local_storage: LocalStorage) -> None:
    local_storage.put_bytes("a/b.bin", b"old")

    class Exploding(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 0:
                raise OSError("client went away")
            return super().read(4)

    with pytest.raises(OSError, match="client went away"):
        local_storage.put_stream("a/b.bin", Exploding(b"new content"))
    assert local_storage.read("a/b.bin") == b"old"
    assert [p.name for p in local_storage.path("a/b.bin").parent.iterdir()] == ["b.bin"]  # no temp file left


def test_local_keys_stay_under_root(local_storage: LocalStorage, tmp_path: Path) -> None:
    local_storage.put_bytes("x/y.txt", b"1")
    assert local_storage.path("x/y.txt") == (tmp_path / "storage" / "x" / "y.txt").resolve()
    local_storage.delete(["x/y.txt"])
    assert list((tmp_path / "storage").iterdir()) == []  # empty folders pruned


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def test_local_download_url_verifies(local_storage: LocalStorage) -> None:
    url = local_storage.presign_download("runs/1/overlay.mp4", expires_s=60, filename="overlay run.mp4")
    assert url.startswith(f"{API}/api/storage/runs/1/overlay.mp4?")
    q = _query(url)
    assert local_storage.verify_signature("GET", "runs/1/overlay.mp4", q["expires"], q["sig"], filename=q["filename"])
    request = local_storage.check_url("GET", url)
    assert (request.key, request.filename) == ("runs/1/overlay.mp4", "overlay run.mp4")


def test_local_signature_refuses_tampering_and_expiry(local_storage: LocalStorage) -> None:
    up = local_storage.presign_upload("uploads/u/input.mp4", content_type="video/mp4", max_bytes=1000, expires_s=60)
    assert up.method == "PUT" and up.headers == {"Content-Type": "video/mp4"} and up.max_bytes == 1000
    q = _query(up.url)
    key, exp, sig = "uploads/u/input.mp4", q["expires"], q["sig"]
    verify = local_storage.verify_signature
    assert verify("PUT", key, exp, sig, content_type="video/mp4", max_bytes="1000")
    assert not verify("GET", key, exp, sig, content_type="video/mp4", max_bytes="1000")  # other method
    assert not verify("PUT", "uploads/u/other.mp4", exp, sig, content_type="video/mp4", max_bytes="1000")
    assert not verify("PUT", key, str(int(exp) + 3600), sig, content_type="video/mp4", max_bytes="1000")
    assert not verify("PUT", key, exp, sig, content_type="text/html", max_bytes="1000")
    assert not verify("PUT", key, exp, sig, content_type="video/mp4", max_bytes="999999999")
    assert not verify("PUT", key, exp, sig[:-2] + "AA", content_type="video/mp4", max_bytes="1000")
    assert not verify("PUT", key, "soon", sig, content_type="video/mp4", max_bytes="1000")
    assert not verify("PUT", key, exp, sig, content_type="video/mp4", max_bytes="1000", now=int(exp) + 1)
    assert not verify("PUT", "../etc/passwd", exp, sig)
    other = LocalStorage(local_storage.root, "another-secret", API)
    assert not other.verify_signature("PUT", key, exp, sig, content_type="video/mp4", max_bytes="1000")
    with pytest.raises(SignatureError):
        local_storage.check_url("PUT", up.url.replace("input.mp4", "other.mp4"))
    with pytest.raises(SignatureError):
        local_storage.check_url("PUT", up.url, now=time.time() + 61)


def test_local_upload_through_a_verified_url(local_storage: LocalStorage) -> None:
    """What the sidecar's handler will do: verify the URL, then store with the signed limit."""
    up = local_storage.presign_upload("uploads/u/in.mp4", content_type="video/mp4", max_bytes=8, expires_s=60)
    request = local_storage.check_url("PUT", up.url)
    assert request.content_type == "video/mp4" and request.max_bytes == 8
    assert local_storage.put_stream(request.key, io.BytesIO(b"12345678"), max_bytes=request.max_bytes) == 8
    with pytest.raises(UploadTooLargeError):
        local_storage.put_stream(request.key, io.BytesIO(b"123456789"), max_bytes=request.max_bytes)
    assert local_storage.read("uploads/u/in.mp4") == b"12345678"


# -- S3 backend: real presigned URLs through HTTP ------------------------------------------------------


def test_s3_presigned_put_then_get_round_trip(s3_storage: S3Storage) -> None:
    body = bytes(range(256)) * 40
    up = s3_storage.presign_upload("uploads/u1/input.mp4", content_type="video/mp4", max_bytes=1 << 20, expires_s=60)
    reply = requests.put(up.url, data=body, headers=up.headers, timeout=10)
    assert reply.status_code == 200, reply.text
    assert s3_storage.exists("uploads/u1/input.mp4")
    assert s3_storage.size("uploads/u1/input.mp4") == len(body)
    assert s3_storage.read("uploads/u1/input.mp4") == body
    assert s3_storage.confirm_upload("uploads/u1/input.mp4", max_bytes=1 << 20) == len(body)

    url = s3_storage.presign_download("uploads/u1/input.mp4", expires_s=60, filename="my run.mp4")
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 200
    assert reply.content == body
    assert reply.headers["Content-Disposition"] == content_disposition("my run.mp4")

    s3_storage.delete(["uploads/u1/input.mp4"])
    assert requests.get(url, timeout=10).status_code in (403, 404)  # S3 answers 403 without ListBucket


def test_s3_presigned_urls_sign_content_type_and_expiry(s3_storage: S3Storage) -> None:
    """The URLs carry what real S3 enforces: a signed Content-Type header and an expiry.

    moto's server accepts any signature, content type and expiry, so refusal itself cannot be
    observed on loopback; the signed fields it relies on are asserted here instead.
    """
    up = s3_storage.presign_upload("uploads/u2/input.mp4", content_type="video/mp4", max_bytes=10, expires_s=30)
    q = _query(up.url)
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert q["X-Amz-Expires"] == "30"
    assert "content-type" in q["X-Amz-SignedHeaders"].split(";")
    down = _query(s3_storage.presign_download("uploads/u2/input.mp4", expires_s=5))
    assert down["X-Amz-Expires"] == "5"
    with pytest.raises(ValueError, match="expires_s"):
        s3_storage.presign_download("uploads/u2/input.mp4", expires_s=0)


def test_s3_batch_delete_over_one_thousand(s3_storage: S3Storage) -> None:
    keys = [f"many/{i:04d}.bin" for i in range(1005)]
    for key in keys[:3] + keys[-3:]:
        s3_storage.put_bytes(key, b"x")
    s3_storage.delete(keys)  # 2 DeleteObjects calls; missing keys ignored
    assert not any(s3_storage.exists(k) for k in keys[:3] + keys[-3:])


# -- factory ---------------------------------------------------------------------------------------


def test_make_storage_builds_the_configured_backend(tmp_path: Path, s3_endpoint: str) -> None:
    local = make_storage(PoserSettings(_env_file=None, data_dir=tmp_path, secret_key="k", api_url="http://a:1/"))
    assert isinstance(local, LocalStorage)
    assert local.root == (tmp_path / "storage").resolve()
    assert local.presign_download("a/b").startswith("http://a:1/api/storage/a/b?")
    s3 = make_storage(
        PoserSettings(
            _env_file=None,
            storage="s3",
            s3_bucket="bkt",
            s3_region="eu-west-1",
            s3_endpoint_url=s3_endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    )
    assert isinstance(s3, S3Storage)
    assert s3.bucket == "bkt"
    assert s3.presign_download("a/b").startswith(f"{s3_endpoint}/bkt/a/b?")
