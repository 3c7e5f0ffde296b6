"""The remote workers' :class:`services.run_analysis.RunIO`: everything over HTTP, no database.

The input comes from the claim (``POST /api/internal/analysis-runs/{id}/claim``),
the clip from its presigned GET URL, and artifacts go to presigned PUT URLs
from ``POST …/artifact-uploads`` (S3, or the sidecar's signed local-storage
URLs). Transfers are retried on network errors and 5xx replies.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from poser_pipeline.errors import PoserInputError
from services.http_reporter import request_with_retries
from services.run_input import RunInput

#: Bytes per chunk when streaming the clip to disk.
_CHUNK = 1024 * 1024


class TransferError(RuntimeError):
    """A clip download or an artifact upload failed after its retries (the message says which and why)."""


class HttpRunIO:
    """Input and files of one claimed run.

    Parameters
    ----------
    client : httpx.Client
        With ``base_url`` the sidecar's URL; presigned URLs are absolute and sent without the token.
    claim : dict
        The ``ClaimOut`` body the sidecar answered to the claim.
    """

    def __init__(
        self, client: httpx.Client, *, token: str, worker_id: str, claim: Mapping[str, Any], retries: int = 3
    ) -> None:
        self._client, self._claim, self._retries = client, claim, retries
        self._worker_id = worker_id
        self._headers = {"X-Internal-Token": token}
        self._base = f"/api/internal/analysis-runs/{claim['run_id']}"

    def load_input(self) -> RunInput:
        if self._claim.get("input_error"):
            raise PoserInputError(self._claim["input_error"])
        spec = self._claim["input"]
        return RunInput(
            analysis_id=uuid.UUID(str(self._claim["analysis_id"])),
            input_key=spec["input_key"],
            filename=spec["filename"],
            box=tuple(float(v) for v in spec["box"]),  # type: ignore[arg-type]
            start_s=spec["start_s"],
            end_s=spec["end_s"],
            at_s=spec["at_s"],
        )

    def download_clip(self, spec: RunInput, dest: Path) -> None:
        url = self._claim["clip_url"]
        for attempt in range(self._retries + 1):
            try:
                with self._client.stream("GET", url) as response:
                    if response.status_code < 500 or attempt == self._retries:
                        if response.status_code != 200:
                            raise TransferError(f"downloading the clip failed: HTTP {response.status_code}")
                        with dest.open("wb") as fh:
                            for chunk in response.iter_bytes(_CHUNK):
                                fh.write(chunk)
                        return
            except httpx.TransportError as exc:
                if attempt == self._retries:
                    raise TransferError(f"downloading the clip failed: {exc}") from exc
            time.sleep(0.5 * 2**attempt)

    def upload_artifacts(self, files: Mapping[str, tuple[Path, str]]) -> dict[str, str]:
        body = {"worker_id": self._worker_id, "kinds": list(files)}
        response = request_with_retries(
            self._client,
            "POST",
            f"{self._base}/artifact-uploads",
            retries=self._retries,
            json=body,
            headers=self._headers,
        )
        response.raise_for_status()
        keys = {}
        for target in response.json()["uploads"]:
            path, content_type = files[target["kind"]]
            if target["content_type"] != content_type:
                raise TransferError(f"the sidecar wants {target['content_type']} for {target['kind']}")
            self._put(path, target)
            keys[target["kind"]] = target["storage_key"]
        return keys

    def _put(self, path: Path, target: Mapping[str, Any]) -> None:
        def send() -> httpx.Response:
            with path.open("rb") as fh:  # reopened per try; a file object gives httpx the Content-Length
                return self._client.request(target["method"], target["url"], content=fh, headers=target["headers"])

        for attempt in range(self._retries + 1):
            try:
                response = send()
            except httpx.TransportError as exc:
                if attempt == self._retries:
                    raise TransferError(f"uploading {path.name} failed: {exc}") from exc
            else:
                if response.is_success:
                    return
                if response.status_code < 500 or attempt == self._retries:
                    raise TransferError(
                        f"uploading {path.name} failed: HTTP {response.status_code} {response.text[:200]}"
                    )
            time.sleep(0.5 * 2**attempt)
