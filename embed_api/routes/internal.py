"""Internal endpoints: remote workers report a run; admins reprocess an analysis.

Every route needs ``X-Internal-Token``. The handlers write through the same
:class:`services.reporter.DbRunReporter` a local worker uses, so a remote
worker leaves exactly the rows a local one does. Re-sending a request is
safe: frames upsert on their key, turn structure and metrics replace.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Request, status

from db import queries
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
from services.reporter import DbRunReporter

router = APIRouter(prefix="/api/internal", tags=["internal"], dependencies=[InternalTokenDep])


def _reporter(factory: SessionFactoryDep, run_id: uuid.UUID) -> DbRunReporter:
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no analysis run {run_id}")
        return DbRunReporter(factory, run_id=run_id, analysis_id=run.analysis_id)


@router.put("/analysis-runs/{run_id}/progress", response_model=Accepted)
def put_progress(run_id: uuid.UUID, body: ProgressIn, factory: SessionFactoryDep) -> Accepted:
    _reporter(factory, run_id).progress(body.stage, body.percent, body.message)
    return Accepted()


@router.put("/analysis-runs/{run_id}/status", response_model=Accepted)
def put_status(run_id: uuid.UUID, body: StatusIn, factory: SessionFactoryDep) -> Accepted:
    _reporter(factory, run_id).status(
        body.status, error=body.error, error_log=body.error_log, num_frames=body.num_frames, fps=body.fps
    )
    return Accepted()


@router.post("/analysis-runs/{run_id}/frames/batches", response_model=Accepted)
def post_frames(run_id: uuid.UUID, body: FramesIn, factory: SessionFactoryDep) -> Accepted:
    try:
        _reporter(factory, run_id).frames(body.frames)
    except ValueError as exc:  # unknown columns, missing frame_index
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return Accepted(count=len(body.frames))


@router.post("/analysis-runs/{run_id}/turn-structure", response_model=Accepted)
def post_turn_structure(run_id: uuid.UUID, body: TurnStructureIn, factory: SessionFactoryDep) -> Accepted:
    _reporter(factory, run_id).turn_structure(body.transitions, body.segments)
    return Accepted(count=len(body.segments))


@router.post("/analysis-runs/{run_id}/metrics/run", response_model=Accepted)
def post_run_metrics(run_id: uuid.UUID, body: MetricValuesIn, factory: SessionFactoryDep) -> Accepted:
    try:
        _reporter(factory, run_id).run_metrics(body.values)
    except (KeyError, ValueError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown metric: {exc}") from exc
    return Accepted(count=len(body.values))


@router.post("/analysis-runs/{run_id}/metrics/segments", response_model=Accepted)
def post_segment_metrics(run_id: uuid.UUID, body: MetricValuesIn, factory: SessionFactoryDep) -> Accepted:
    try:
        _reporter(factory, run_id).segment_metrics(body.values)
    except (KeyError, ValueError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return Accepted(count=len(body.values))


@router.post("/analysis-runs/{run_id}/artifacts", response_model=Accepted)
def post_artifact(run_id: uuid.UUID, body: ArtifactIn, factory: SessionFactoryDep) -> Accepted:
    _reporter(factory, run_id).artifact(body.kind, body.storage_key, body.size_bytes, body.content_type)
    return Accepted()


@router.post("/analyses/{analysis_id}/reprocessings", response_model=RunCreated, status_code=201)
def post_reprocessing(analysis_id: uuid.UUID, request: Request, factory: SessionFactoryDep) -> RunCreated:
    with factory.begin() as session:
        if queries.get_analysis(session=session, analysis_id=analysis_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no analysis {analysis_id}")
        run = queries.create_run(session=session, analysis_id=analysis_id)
        created = RunCreated(run_id=run.id, run_number=run.run_number)
    request.app.state.dispatch(created.run_id)
    return created
