"""Store a finished analysis straight into the studio's database (no pipeline run): fast fixtures for pages.

The rows are what a worker would write for a short run: turn structure, frames with edge angles, run- and
turn-level edge similarity. The pipeline itself is exercised by ``test_studio.py``'s end-to-end test.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from db import queries
from db.models import User
from services.composition import Services

FPS = 25.0
FRAMES_PER_TURN = 20


@dataclass(frozen=True)
class Stored:
    user_id: uuid.UUID
    analysis_id: uuid.UUID
    run_id: uuid.UUID


def user_id(svc: Services, email: str, *, is_admin: bool = False) -> uuid.UUID:
    """The id of the user with ``email`` (created, or made admin, as asked)."""
    with svc.factory.begin() as session:
        user = queries.get_user_by_email(session=session, email=email) or queries.create_user(
            session=session, email=email
        )
        user.is_admin = user.is_admin or is_admin
        return user.id


def add_run(svc: Services, analysis_id: uuid.UUID, turn_scores: Sequence[float | None], *, status="succeeded"):
    """A new run of ``analysis_id``: succeeded with one turn per score (None: not measurable), or failed."""
    with svc.factory.begin() as session:
        run = queries.create_run(session=session, analysis_id=analysis_id, pipeline_version="test")
        queries.set_run_status(session=session, run_id=run.id, status="running")
        if status == "failed":
            queries.set_run_status(session=session, run_id=run.id, status="failed", error="the skier was lost")
            return run.id
        n = len(turn_scores)
        queries.save_turn_structure(
            session=session,
            run_id=run.id,
            transitions=[
                {
                    "transition_index": i,
                    "window_start_frame": (i + 1) * FRAMES_PER_TURN - 2,
                    "center_frame": (i + 1) * FRAMES_PER_TURN,
                    "window_end_frame": (i + 1) * FRAMES_PER_TURN + 2,
                }
                for i in range(n - 1)
            ],
            segments=[
                {
                    "segment_index": i,
                    "start_frame": i * FRAMES_PER_TURN,
                    "end_frame": (i + 1) * FRAMES_PER_TURN,
                    "apex_frame": i * FRAMES_PER_TURN + FRAMES_PER_TURN // 2,
                    "direction": "left" if i % 2 == 0 else "right",
                    "measurable": score is not None,
                }
                for i, score in enumerate(turn_scores)
            ],
        )
        queries.upsert_frames(
            session=session,
            run_id=run.id,
            rows=[
                {"frame_index": f, "timestamp_ms": f * 1000 / FPS, "edge_angle_left_deg": 20.0 + f % 7}
                for f in range(n * FRAMES_PER_TURN + 1)
            ],
        )
        measured = [s for s in turn_scores if s is not None]
        run_score = sorted(measured)[len(measured) // 2] if measured else None
        queries.save_run_metrics(
            session=session,
            run_id=run.id,
            values=[
                {"key": "edge_similarity_run", "value": run_score},
                {"key": "edge_similarity_left", "value": turn_scores[0]},
                {"key": "edge_similarity_right", "value": turn_scores[1] if n > 1 else None},
            ],
        )
        queries.save_segment_metrics(
            session=session,
            run_id=run.id,
            values=[{"key": "edge_similarity", "segment_index": i, "value": s} for i, s in enumerate(turn_scores)],
        )
        queries.set_run_status(
            session=session, run_id=run.id, status="succeeded", num_frames=n * FRAMES_PER_TURN + 1, fps=FPS
        )
        return run.id


def store_analysis(
    svc: Services, email: str, filename: str, turn_scores: Sequence[float | None] = (70.0, 80.0, 90.0)
) -> Stored:
    """A user's analysis (clip and box recorded) with one succeeded run scoring ``turn_scores``."""
    owner = user_id(svc, email)
    with svc.factory.begin() as session:
        analysis = queries.create_analysis(
            session=session,
            owner_id=owner,
            filename=filename,
            status="awaiting_prompt",
            s3_input_key=f"inputs/{uuid.uuid4().hex}/{filename}",
            bbox_x1=10.0,
            bbox_y1=10.0,
            bbox_x2=50.0,
            bbox_y2=90.0,
        )
        analysis_id = analysis.id
    return Stored(owner, analysis_id, add_run(svc, analysis_id, turn_scores))


def get_user(svc: Services, uid: uuid.UUID) -> User:
    with svc.factory() as session:
        user = session.get(User, uid)
    assert user is not None
    return user
