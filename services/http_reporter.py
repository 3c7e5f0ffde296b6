"""A :class:`services.reporter.RunReporter` for remote workers: the sidecar's internal endpoints.

Each call is one HTTP request with ``X-Internal-Token``, retried on network
errors and 5xx responses (the endpoints are idempotent), so a flaky link
between a GPU machine and the sidecar does not lose a run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx


def request_with_retries(
    client: httpx.Client, method: str, url: str, *, retries: int = 3, backoff_s: float = 0.5, **kwargs: Any
) -> httpx.Response:
    """Send one request, retrying network errors and 5xx replies ``retries`` times (waits 0.5, 1, 2… s).

    Returns the last response whatever its status (the caller decides what a 4xx means); raises
    ``httpx.TransportError`` when the last try could not connect.
    """
    for attempt in range(retries + 1):
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError:
            if attempt == retries:
                raise
        else:
            if response.status_code < 500 or attempt == retries:
                return response
        time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")


class HttpRunReporter:
    """Report one run to ``{base_url}/api/internal/...``.

    Parameters
    ----------
    client : httpx.Client
        With ``base_url`` set (tests pass FastAPI's TestClient, which is one).
    token : str
        The internal token.
    worker_id : str, optional
        Sent as ``X-Worker-Id``: the sidecar then drops a final status from a worker that lost the run's lease.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str,
        run_id: uuid.UUID,
        retries: int = 3,
        worker_id: str | None = None,
    ) -> None:
        self._client = client
        self._headers = {"X-Internal-Token": token} | ({"X-Worker-Id": worker_id} if worker_id else {})
        self._base = f"/api/internal/analysis-runs/{run_id}"
        self._retries = retries

    def _send(self, method: str, path: str, body: dict[str, Any]) -> None:
        response = request_with_retries(
            self._client, method, self._base + path, retries=self._retries, json=body, headers=self._headers
        )
        response.raise_for_status()

    def progress(self, stage: str, percent: float, message: str = "") -> None:
        self._send("PUT", "/progress", {"stage": stage, "percent": percent, "message": message})

    def status(
        self,
        status: str,
        *,
        error: str | None = None,
        error_log: str | None = None,
        num_frames: int | None = None,
        fps: float | None = None,
        pipeline_version: str | None = None,
    ) -> None:
        body = {"status": status, "error": error, "error_log": error_log, "num_frames": num_frames, "fps": fps}
        if pipeline_version is not None:  # absent, not null: an older sidecar refuses no field it does not know
            body["pipeline_version"] = pipeline_version
        self._send("PUT", "/status", body)

    def frames(self, rows: Sequence[dict[str, Any]]) -> None:
        self._send("POST", "/frames/batches", {"frames": list(rows)})

    def turn_structure(self, transitions: Sequence[dict[str, Any]], segments: Sequence[dict[str, Any]]) -> None:
        self._send("POST", "/turn-structure", {"transitions": list(transitions), "segments": list(segments)})

    def run_metrics(self, values: Sequence[dict[str, Any]]) -> None:
        self._send("POST", "/metrics/run", {"values": list(values)})

    def segment_metrics(self, values: Sequence[dict[str, Any]]) -> None:
        self._send("POST", "/metrics/segments", {"values": list(values)})

    def artifact(self, kind: str, storage_key: str, size_bytes: int, content_type: str) -> None:
        body = {"kind": kind, "storage_key": storage_key, "size_bytes": size_bytes, "content_type": content_type}
        self._send("POST", "/artifacts", body)
