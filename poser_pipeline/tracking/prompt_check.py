"""Is there a person in the user's box? Checked before a run is queued.

Checked here, a box that misses the skier is fixed while the person is still
at the canvas, not reported when the run ends ("no person found"). The check
is the tracker's own first look — BlazePose on the same crop around the box,
with the same retries at other crop sizes — on the box's frame and the few
after it: BlazePose's detector misses a small skier on some single frames
(the UCF101 GIF's first frame) that the tracker then finds a frame later, and
a warning there would be a false alarm.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from poser_pipeline.pose.blazepose import BlazePoseEstimator
from poser_pipeline.settings import PipelineSettings

#: Frames looked at: the box's own and the ones right after it (0.1 s at 30 fps).
CHECK_FRAMES = 4


def person_in_box(frames_bgr: Iterable[np.ndarray], box: np.ndarray, settings: PipelineSettings | None = None) -> bool:
    """Whether BlazePose finds a person in ``box`` (x1, y1, x2, y2 px) on any of the frames.

    Parameters
    ----------
    frames_bgr : iterable of (H, W, 3) uint8 ndarray
        Upright BGR frames, the box's own first; stops at the first frame with a person.

    About 0.05–0.1 s a frame on a CPU once MediaPipe is imported (the first call imports it, ~0.2 s).
    """
    estimator = BlazePoseEstimator(settings or PipelineSettings(), video_mode=False)
    box = np.asarray(box, dtype=np.float64)
    try:
        return any(estimator.estimate(frame, box) is not None for frame in frames_bgr)
    finally:
        estimator.close()
