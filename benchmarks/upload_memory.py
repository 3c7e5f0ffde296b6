"""The sidecar's memory while a large upload streams to its local storage route.

Usage: ``python benchmarks/upload_memory.py [--mib 260]``

Starts the sidecar (uvicorn, SQLite and local storage in a temporary folder) in this process,
creates an upload for a file of that size, and PUTs the file to its signed link with ``curl -T``
from another process, as a browser would. Prints the HTTP status, the stored size and this
process's peak RSS before and after the upload: the route streams to disk, so the difference stays
near one chunk whatever the size. Not a test: nothing here asserts a figure.
"""

from __future__ import annotations

import argparse
import resource
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from db import queries
from db.engine import make_engine, make_session_factory
from db.models import Base
from embed_api.main import create_app
from services import uploads
from services.storage.local import LocalStorage

SECRET = "benchmark-secret-" + "x" * 16


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=260, help="the upload's size in MiB")
    args = parser.parse_args()
    size_bytes = args.mib * 2**20
    with tempfile.TemporaryDirectory(prefix="poser-upload-memory-") as tmp:
        root = Path(tmp)
        engine = make_engine(f"sqlite:///{root / 'poser.db'}")
        Base.metadata.create_all(engine)
        factory = make_session_factory(engine)
        port = _free_port()
        storage = LocalStorage(root / "storage", SECRET, f"http://127.0.0.1:{port}")
        app = create_app(
            session_factory=factory, internal_token="t", secret_key=SECRET, storage=storage, max_upload_bytes=size_bytes
        )
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        with factory.begin() as session:
            user = queries.create_user(session=session, email="bench@example.com")
            new = uploads.create_upload(
                session=session,
                storage=storage,
                user=user,
                filename="big.mp4",
                size_bytes=size_bytes,
                content_type="video/mp4",
                max_bytes=size_bytes,
            )
        body = root / "big.bin"
        with open(body, "wb") as f:
            f.truncate(size_bytes)  # sparse: the bytes' content does not matter to the route
        before_mb = _peak_rss_mb()
        started = time.perf_counter()
        curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: video/mp4"]
        put = subprocess.run(
            [*curl, "-T", str(body), new.upload.url],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        stored_mib = storage.size(new.storage_key) / 2**20 if storage.exists(new.storage_key) else 0.0
        server.should_exit = True
    print(
        f"PUT {args.mib} MiB: HTTP {put.stdout}, stored {stored_mib:.0f} MiB in {seconds:.1f} s "
        f"({args.mib / seconds:.0f} MiB/s); peak RSS {before_mb:.0f} MB before, {_peak_rss_mb():.0f} MB after"
    )


if __name__ == "__main__":
    main()
