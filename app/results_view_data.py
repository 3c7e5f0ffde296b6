"""What the results page's turn review reads beyond :class:`app.studio.Results`, without Streamlit.

The body series (``frames`` columns), each turn's measurability reasons (``metric_values.details``)
and the stored videos of the latest succeeded run; plus one frame decoded from a stored video.
Ownership is checked by ``services.analyses`` on every load.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from app.turn_review import BODY_METRICS
from services import clip_frames, results
from services.analyses import NotFoundError
from services.composition import Services

if TYPE_CHECKING:
    from services.auth import User

#: Videos the page can play: artifact kind → label.
VIDEOS = {"overlay_video": "Pose overlay", "centred_video": "Skier-centred replay"}


@dataclass(frozen=True)
class Review:
    """Per-frame series and per-turn notes of one run (plain data: cacheable by run id).

    ``series`` maps a :data:`app.turn_review.BODY_METRICS` key to a ``(T,)`` float array in the
    metric's unit (scaled as its spec says; NaN where unknown); ``timestamps_ms`` ``(T,)`` is
    the stream time of each frame (ms from the clip's first frame); ``reasons`` maps a
    segment index to why that turn is not measurable; ``videos`` maps an artifact kind to its
    storage key.
    """

    run_id: uuid.UUID
    frame_index: np.ndarray
    timestamps_ms: np.ndarray
    series: dict[str, np.ndarray]
    reasons: dict[int, list[str]] = field(default_factory=dict)
    videos: dict[str, str] = field(default_factory=dict)


def load_review(svc: Services, user: User, analysis_id: uuid.UUID, run_id: uuid.UUID | None = None) -> Review:
    """Body series, measurability reasons and stored videos of ``run_id`` (else the latest succeeded run).

    Raises :class:`NotFoundError` (not the user's) or ``NoResultsError`` (no such succeeded run).
    """
    columns = ["timestamp_ms", *(spec.column for spec in BODY_METRICS.values())]
    with svc.factory() as session:
        found = results.load_series(
            session=session, user=user, analysis_id=analysis_id, columns=columns, run_id=run_id, video_kinds=VIDEOS
        )
    return Review(
        run_id=found.run_id,
        frame_index=found.frame_index,
        timestamps_ms=found.columns["timestamp_ms"],
        series={key: found.columns[spec.column] * spec.scale for key, spec in BODY_METRICS.items()},
        reasons=found.reasons,
        videos=found.videos,
    )


def frame_time_s(review: Review, frame: int, fps: float) -> float:
    """Seconds from a stored video's first frame to window frame ``frame``.

    The overlay keeps the stream's timestamps, so the frame's own time (minus the first frame's)
    finds it even in a variable-frame-rate clip; without timestamps, ``frame / fps``.
    """
    where = np.flatnonzero(review.frame_index == frame)
    stamps = review.timestamps_ms
    if len(where) and np.isfinite(stamps[where[0]]) and np.isfinite(stamps[0]):
        return float(stamps[where[0]] - stamps[0]) / 1000.0
    return frame / (fps or 30.0)


def decode_frame(path: Path, t_s: float, fps: float) -> np.ndarray:
    """The upright frame nearest ``t_s`` seconds from a video's first frame, ``(H, W, 3) uint8`` RGB.

    Seeks to the keyframe before ``t_s`` and decodes from there: one GOP, never the whole clip.
    """
    try:
        return clip_frames.nearest_frame(path, t_s, fps)
    except clip_frames.NoFrameError as exc:
        raise NotFoundError(str(exc)) from exc


def jpeg_data_url(image_rgb: np.ndarray, *, quality: int = 85) -> str:
    """``image_rgb`` ``(H, W, 3) uint8`` as a ``data:image/jpeg;base64,…`` URL.

    ``st.image`` shows it without Streamlit's media endpoint, whose responses for image and video
    types fail behind Streamlit 1.60's gzip middleware (see ``app.studio.MEDIA_MIME``).
    """
    ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(image_rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the frame could not be encoded as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")
