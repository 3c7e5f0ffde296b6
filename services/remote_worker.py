"""The remote worker: runs analyses on a machine with no database credentials (a GPU box elsewhere).

It needs only the sidecar's URL and the internal token (``POSER_API_URL``,
``POSER_INTERNAL_TOKEN``), and a broker URL when Celery feeds it
(``POSER_WORKER_MODE=remote``). For each run it claims the run over HTTP (409:
another worker holds it → skipped), downloads the clip from a presigned URL,
runs the same :func:`services.run_analysis.execute` body as a local worker,
uploads artifacts to presigned URLs and reports rows, progress and status
through :class:`services.http_reporter.HttpRunReporter`, renewing its lease
over HTTP meanwhile. Nothing here imports the database layer.

By hand, for given run ids: ``python -m services.remote_worker RUN_ID [RUN_ID …]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import uuid
from typing import Any

import httpx

from poser_pipeline.settings import PipelineSettings
from services.heartbeat import Heartbeat
from services.http_reporter import HttpRunReporter, request_with_retries
from services.http_run_io import HttpRunIO
from services.run_analysis import execute

log = logging.getLogger(__name__)


class SidecarUnavailableError(ConnectionError):
    """The sidecar could not be reached (or answered 5xx) for a claim: the run stays queued; retry later."""


class RemoteWorker:
    """Claim and execute named runs through the sidecar's internal endpoints.

    Parameters
    ----------
    api_url : str
        The sidecar's base URL, e.g. ``https://poser.example.com``.
    token : str
        The internal token (``X-Internal-Token``).
    lease_s : float
        Lease length asked for, seconds; renewed every ``lease_s / 3``.
    client : httpx.Client, optional
        With ``base_url`` set; built from ``api_url`` when omitted.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        lease_s: float = 60.0,
        worker_id: str | None = None,
        pipeline_settings: PipelineSettings | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self._client = client or httpx.Client(base_url=api_url, timeout=timeout_s)
        self._token = token
        self._headers = {"X-Internal-Token": token}
        self.lease_s = lease_s
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._pipeline_settings = pipeline_settings

    def _post(self, run_id: uuid.UUID, action: str) -> httpx.Response:
        body = {"worker_id": self.worker_id, "lease_s": self.lease_s}
        url = f"/api/internal/analysis-runs/{run_id}/{action}"
        try:
            response = request_with_retries(self._client, "POST", url, json=body, headers=self._headers)
        except httpx.TransportError as exc:
            raise SidecarUnavailableError(f"cannot reach the sidecar at {self._client.base_url}: {exc}") from exc
        if response.status_code >= 500:
            raise SidecarUnavailableError(f"the sidecar answered {response.status_code} to {action}")
        if response.status_code == 401:
            raise PermissionError("the sidecar refused POSER_INTERNAL_TOKEN (401): set the same token on both")
        return response

    def claim(self, run_id: uuid.UUID) -> dict[str, Any] | None:
        """The claim body (input, clip URL), or ``None`` when the run is not ours to take (404/409)."""
        response = self._post(run_id, "claim")
        if response.status_code in (404, 409):
            log.info("run %s skipped: %s", run_id, response.json().get("detail"))
            return None
        response.raise_for_status()
        return response.json()

    def _renew(self, run_id: uuid.UUID) -> bool:
        response = self._post(run_id, "heartbeat")
        if response.status_code in (404, 409):
            return False
        response.raise_for_status()
        return True

    def run_named(self, run_id: uuid.UUID) -> bool:
        """Claim and execute one run; False when it was not queued for us (taken, ended or unknown).

        Raises :class:`SidecarUnavailableError` when the claim could not be made (the run stays queued).
        """
        claim = self.claim(run_id)
        if claim is None:
            return False
        log.info("worker %s claimed run %s", self.worker_id, run_id)
        beat = Heartbeat(lambda: self._renew(run_id), self.lease_s / 3)
        beat.start()
        try:
            execute(
                HttpRunIO(self._client, token=self._token, worker_id=self.worker_id, claim=claim),
                HttpRunReporter(self._client, token=self._token, run_id=run_id, worker_id=self.worker_id),
                run_id=run_id,
                settings=self._pipeline_settings,
            )
        except Exception:  # even the failure report did not get through: the lease lapses, the sweep fails the run
            log.exception("run %s: reporting to the sidecar failed", run_id)
        finally:
            beat.stop()
        return True


def remote_worker_from_settings(settings: Any = None, *, tracker: str | None = None) -> RemoteWorker:
    """A remote worker wired from :func:`services.settings.get_settings` (API URL, token, lease, pipeline settings).

    No database: the pipeline's settings come from :func:`services.composition.pipeline_settings` alone.
    ``tracker`` overrides the settings' tracking backend (a GPU queue's worker: ``sam2``).
    """
    from services.settings import get_settings, pipeline_settings

    settings = settings or get_settings()
    if settings.internal_token is None:
        raise ValueError("a remote worker needs POSER_INTERNAL_TOKEN")
    return RemoteWorker(
        settings.api_url,
        settings.internal_token.get_secret_value(),
        lease_s=settings.worker_lease_s,
        pipeline_settings=pipeline_settings(settings, tracker=tracker),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m services.remote_worker RUN_ID …``: execute the named runs; 1 if any was not taken."""
    parser = argparse.ArgumentParser(prog="python -m services.remote_worker", description=main.__doc__)
    parser.add_argument("run_ids", nargs="+", type=uuid.UUID, metavar="RUN_ID")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s remote-worker %(levelname)s %(message)s")
    worker = remote_worker_from_settings()
    taken = [worker.run_named(run_id) for run_id in args.run_ids]
    return 0 if all(taken) else 1


if __name__ == "__main__":
    raise SystemExit(main())
