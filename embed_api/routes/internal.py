"""Internal endpoints: remote workers report a run; admins reprocess an analysis.

Every route needs ``X-Internal-Token``. The handlers write through the same
:class:`services.reporter.DbRunReporter` a local worker uses, so a remote
worker leaves exactly the rows a local one does. Re-sending a request is
safe: frames upsert on their key, turn structure and metrics replace, a
re-claim by the lease holder renews its lease.

Remote workers (no database credentials) first ``POST …/claim`` a run (its
input and a presigned GET URL of the clip; 409 while another worker holds a
live lease), renew with ``POST …/heartbeat``, get presigned PUT URLs from
``POST …/artifact-uploads`` and send ``X-Worker-Id`` with every write: only
the holder of the run's live lease may write (409 otherwise: the run ended,
was swept, or another worker holds it), so a worker that lost its lease
learns it at its next write and cannot change the run.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status

from embed_api.deps import InternalTokenDep, SessionFactoryDep
from embed_api.schemas import (
    Accepted,
    ArtifactIn,
    FramesIn,
    MetricValuesIn,
    ProgressIn,
    RunCreated,
    StatusIn,
    TurnStructureIn,
)
from embed_api.worker_schemas import (
    ArtifactUploadOut,
    ArtifactUploadsIn,
    ArtifactUploadsOut,
    ClaimIn,
    ClaimOut,
    HeartbeatIn,
    HeartbeatOut,
    RunInputOut,
)
from services import analyses, remote_runs
from services.reporter import DbRunReporter

router = APIRouter(prefix="/api/internal", tags=["internal"], dependencies=[InternalTokenDep])


#: Every write names the worker that sends it; only the holder of the run's live lease may write.
WorkerIdDep = Annotated[str, Header(min_length=1, max_length=200)]


def _holder_reporter(
    factory: SessionFactoryDep, run_id: uuid.UUID, worker_id: str, *, status_change: str | None = None
) -> DbRunReporter:
    """The run's reporter once ``worker_id`` is known to hold it: 404 unknown run, 409 not the holder
    (another worker, the run ended or was swept, the lease lapsed) or a status it may not set."""
    with factory() as session:
        try:
            run = remote_runs.check_holder(session, run_id=run_id, worker_id=worker_id)
            if status_change is not None:
                remote_runs.check_status_change(session, run=run, status=status_change)
        except LookupError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        except remote_runs.RunUnavailableError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        analysis_id = run.analysis_id
    return DbRunReporter(factory, run_id=run_id, analysis_id=analysis_id, worker_id=worker_id)


def _storage(request: Request):
    storage = request.app.state.storage
    if storage is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the sidecar has no storage configured")
    return storage


@router.post("/analysis-runs/{run_id}/claim", response_model=ClaimOut)
def post_claim(run_id: uuid.UUID, body: ClaimIn, request: Request, factory: SessionFactoryDep) -> ClaimOut:
    try:
        claim = remote_runs.claim(
            factory, _storage(request), run_id=run_id, worker_id=body.worker_id, lease_s=body.lease_s
        )
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except remote_runs.RunUnavailableError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    spec = claim.spec
    return ClaimOut(
        run_id=claim.run_id,
        analysis_id=claim.analysis_id,
        worker_id=claim.worker_id,
        lease_expires_at=claim.lease_expires_at,
        input=None
        if spec is None
        else RunInputOut(
            filename=spec.filename,
            input_key=spec.input_key,
            box=spec.box,
            start_s=spec.start_s,
            end_s=spec.end_s,
            at_s=spec.at_s,
        ),
        input_error=claim.input_error,
        clip_url=claim.clip_url,
    )


@router.post("/analysis-runs/{run_id}/heartbeat", response_model=HeartbeatOut)
def post_heartbeat(run_id: uuid.UUID, body: HeartbeatIn, factory: SessionFactoryDep) -> HeartbeatOut:
    try:
        expires = remote_runs.renew(factory, run_id=run_id, worker_id=body.worker_id, lease_s=body.lease_s)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except remote_runs.RunUnavailableError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return HeartbeatOut(lease_expires_at=expires)


@router.post("/analysis-runs/{run_id}/artifact-uploads", response_model=ArtifactUploadsOut)
def post_artifact_uploads(
    run_id: uuid.UUID, body: ArtifactUploadsIn, request: Request, factory: SessionFactoryDep
) -> ArtifactUploadsOut:
    try:
        targets = remote_runs.artifact_uploads(
            factory, _storage(request), run_id=run_id, worker_id=body.worker_id, kinds=list(body.kinds)
        )
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except remote_runs.RunUnavailableError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return ArtifactUploadsOut(uploads=[ArtifactUploadOut(**t.__dict__) for t in targets])


@router.put("/analysis-runs/{run_id}/progress", response_model=Accepted)
def put_progress(
    run_id: uuid.UUID,
    body: ProgressIn,
    factory: SessionFactoryDep,
    x_worker_id: WorkerIdDep,
) -> Accepted:
    """With ``X-Worker-Id``, progress from a worker that no longer holds the run is dropped."""
    _holder_reporter(factory, run_id, x_worker_id).progress(body.stage, body.percent, body.message)
    return Accepted()


@router.put("/analysis-runs/{run_id}/status", response_model=Accepted)
def put_status(
    run_id: uuid.UUID,
    body: StatusIn,
    request: Request,
    factory: SessionFactoryDep,
    x_worker_id: WorkerIdDep,
) -> Accepted:
    """A status from the lease holder: ``running``, ``failed``, or ``succeeded`` once ``run_json`` is registered.

    A final status announces the run to its owner (once, whichever path ends it; a dropped report
    announces nothing new: the run already ended another way and was announced then).
    """
    _holder_reporter(factory, run_id, x_worker_id, status_change=body.status).status(
        body.status,
        error=body.error,
        error_log=body.error_log,
        num_frames=body.num_frames,
        fps=body.fps,
        pipeline_version=body.pipeline_version,
    )
    notify_run = request.app.state.notify_run
    if notify_run is not None and body.status in ("succeeded", "failed"):
        notify_run(run_id)
    return Accepted()


def _unprocessable(field: str, message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, so one schema describes every 422 a worker sees."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT, [{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


@router.post("/analysis-runs/{run_id}/frames/batches", response_model=Accepted)
def post_frames(run_id: uuid.UUID, body: FramesIn, factory: SessionFactoryDep, x_worker_id: WorkerIdDep) -> Accepted:
    try:
        _holder_reporter(factory, run_id, x_worker_id).frames(body.frames)
    except ValueError as exc:  # unknown columns, missing frame_index
        raise _unprocessable("frames", str(exc)) from exc
    return Accepted(count=len(body.frames))


@router.post("/analysis-runs/{run_id}/turn-structure", response_model=Accepted)
def post_turn_structure(
    run_id: uuid.UUID, body: TurnStructureIn, factory: SessionFactoryDep, x_worker_id: WorkerIdDep
) -> Accepted:
    _holder_reporter(factory, run_id, x_worker_id).turn_structure(body.transitions, body.segments)
    return Accepted(count=len(body.segments))


@router.post("/analysis-runs/{run_id}/metrics/run", response_model=Accepted)
def post_run_metrics(
    run_id: uuid.UUID, body: MetricValuesIn, factory: SessionFactoryDep, x_worker_id: WorkerIdDep
) -> Accepted:
    try:
        _holder_reporter(factory, run_id, x_worker_id).run_metrics(body.values)
    except (KeyError, ValueError) as exc:
        raise _unprocessable("values", f"unknown metric: {exc}") from exc
    return Accepted(count=len(body.values))


@router.post("/analysis-runs/{run_id}/metrics/segments", response_model=Accepted)
def post_segment_metrics(
    run_id: uuid.UUID, body: MetricValuesIn, factory: SessionFactoryDep, x_worker_id: WorkerIdDep
) -> Accepted:
    try:
        _holder_reporter(factory, run_id, x_worker_id).segment_metrics(body.values)
    except (KeyError, ValueError) as exc:
        raise _unprocessable("values", str(exc)) from exc
    return Accepted(count=len(body.values))


@router.post("/analysis-runs/{run_id}/artifacts", response_model=Accepted)
def post_artifact(
    run_id: uuid.UUID,
    body: ArtifactIn,
    factory: SessionFactoryDep,
    x_worker_id: WorkerIdDep,
) -> Accepted:
    """The key must lie in this run's folder (as ``artifact-uploads`` hands out): 422 otherwise."""
    try:
        _holder_reporter(factory, run_id, x_worker_id).artifact(
            body.kind, body.storage_key, body.size_bytes, body.content_type
        )
    except ValueError as exc:
        raise _unprocessable("storage_key", str(exc)) from exc
    return Accepted()


@router.post("/analyses/{analysis_id}/reprocessings", response_model=RunCreated, status_code=201)
def post_reprocessing(analysis_id: uuid.UUID, request: Request, factory: SessionFactoryDep) -> RunCreated:
    with factory.begin() as session:
        try:
            run = analyses.rerun_for_machine(session=session, analysis_id=analysis_id)
        except analyses.NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        except analyses.RerunError as exc:  # a second run beside a live one would race it for the rows
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        created = RunCreated(run_id=run.id, run_number=run.run_number)
    request.app.state.queue_run(created.run_id)
    return created
