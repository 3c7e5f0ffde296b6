"""Stage 3 — 3D body pose with MediaPipe BlazePose on a crop around the track.

BlazePose misses small skiers in whole frames; on a square crop around the
tracked box, resized to a few hundred pixels, it finds them. Landmarks are
mapped back to pixels of the full upright frame; world landmarks (metres,
hip-centred) are kept as BlazePose gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from poser_pipeline.pose import contrast
from poser_pipeline.pose.model import WarmBuild, new_pose_model
from poser_pipeline.pose.skeleton import CORE_LANDMARKS, NUM_LANDMARKS
from poser_pipeline.settings import PipelineSettings


@dataclass(frozen=True)
class PoseResult:
    """One frame's pose.

    Attributes
    ----------
    image_xy : (33, 2) float ndarray, pixels of the upright frame
    world_xyz : (33, 3) float ndarray, metres, origin between the hips
    visibility : (33,) float ndarray, 0–1
    score : float
        Mean visibility of the core joints (shoulders, hips, knees, ankles).
    """

    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    score: float

    def extent(self) -> np.ndarray:
        """Bounding box of all landmarks, ``(4,)`` x1, y1, x2, y2 pixels."""
        return np.concatenate([self.image_xy.min(axis=0), self.image_xy.max(axis=0)])


#: Snapped crops: sides are powers of 2 ** (1 / SIDE_STEPS_PER_OCTAVE) px, centres multiples of side / CENTRE_STEPS.
SIDE_STEPS_PER_OCTAVE = 8
CENTRE_STEPS = 16


def square_crop_transform(
    box: np.ndarray, scale: float, out_px: int, *, snap: bool = False
) -> tuple[np.ndarray, float, np.ndarray]:
    """Affine map from the frame to a square ``out_px`` crop centred on ``box``.

    Returns the 2x3 matrix, the crop side in frame pixels and its top-left
    corner in frame pixels. With ``snap``, the side and centre are rounded to a
    fixed grid, so nearby boxes give the very same crop.

    >>> _, a, oa = square_crop_transform(np.array([100.0, 100, 200, 300]), 1.5, 384, snap=True)
    >>> _, b, ob = square_crop_transform(np.array([101.0, 99, 202, 302]), 1.5, 384, snap=True)
    >>> bool(a == b and (oa == ob).all())
    True
    """
    cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    side = max(box[2] - box[0], box[3] - box[1], 8.0) * scale
    if snap:
        side = 2.0 ** (np.round(np.log2(side) * SIDE_STEPS_PER_OCTAVE) / SIDE_STEPS_PER_OCTAVE)
        step = side / CENTRE_STEPS
        cx, cy = np.round(cx / step) * step, np.round(cy / step) * step
    origin = np.array([cx - side / 2.0, cy - side / 2.0])
    k = out_px / side
    matrix = np.array([[k, 0.0, -origin[0] * k], [0.0, k, -origin[1] * k]])
    return matrix, side, origin


class BlazePoseEstimator:
    """BlazePose (``model_complexity=1``, weights bundled in mediapipe 0.10.14).

    Inference runs on ``settings.pose_threads`` threads (see
    :mod:`poser_pipeline.pose.model`); the calling thread only waits,
    with the GIL released, so the decode thread keeps running meanwhile.

    Parameters
    ----------
    settings : PipelineSettings
    video_mode : bool
        Let BlazePose track its own region between consecutive calls (faster,
        steadier); call :meth:`reset` when the sequence breaks.
    """

    def __init__(self, settings: PipelineSettings, *, video_mode: bool = True) -> None:
        self._settings = settings
        self._video_mode = video_mode and not settings.stable_crops  # carried state would keep tracks apart
        self._pose = None
        self._retry_pose = None
        self._retry_build: WarmBuild | None = None

    def _new_model(self, *, static: bool):
        return new_pose_model(static=static, num_threads=self._settings.pose_threads)

    def _build_retry_ahead(self) -> None:
        # The retry model's first call costs ~0.1–0.2 s (graph start, weight
        # packing). Built on the other core while the main model works, that
        # cost leaves the frame-to-frame chain. A static model keeps no state
        # between calls, so warming it on a blank crop changes no result.
        retries = self._settings.pose_retry_crop_scales + self._settings.pose_enhanced_crop_scales
        if self._retry_build is None and self._retry_pose is None and retries:
            px = self._settings.pose_input_px
            self._retry_build = WarmBuild(lambda: self._new_model(static=True), np.zeros((px, px, 3), np.uint8))

    def _model(self):
        if self._pose is None:
            self._pose = self._new_model(static=not self._video_mode)
        return self._pose

    def _retry_model(self):
        if self._retry_pose is None and self._retry_build is not None:
            build, self._retry_build = self._retry_build, None
            self._retry_pose = build.result()
        if self._retry_pose is None:
            self._retry_pose = self._new_model(static=True)
        return self._retry_pose

    def reset(self) -> None:
        """Forget the previous frame (a new sequence or a rejected pose)."""
        self._close_main()

    def close(self) -> None:
        """Free the models (the retry model too)."""
        self._close_main()
        if self._retry_build is not None:
            build, self._retry_build = self._retry_build, None
            build.discard()
        if self._retry_pose is not None:
            self._retry_pose.close()
            self._retry_pose = None

    def _close_main(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def estimate(self, frame_bgr: np.ndarray, box: np.ndarray, *, crop_scale: float | None = None) -> PoseResult | None:
        """Estimate the pose of the person in ``box`` (x1, y1, x2, y2 pixels).

        BlazePose's person detector is sensitive to how the person fills the
        crop (a 2 px change of a small skier's box can decide it), so when the
        main model finds nobody, a static-image model retries on crops of the
        other sizes in ``settings.pose_retry_crop_scales``, then on enhanced crops
        (:func:`~poser_pipeline.pose.contrast.enhance`) of the sizes in
        ``settings.pose_enhanced_crop_scales``. Returns ``None`` when every try
        finds nobody.
        """
        scale = crop_scale or self._settings.pose_crop_scale
        self._build_retry_ahead()
        found = self._run(self._model(), frame_bgr, box, scale)
        for retry_scale in self._settings.pose_retry_crop_scales:
            if found is not None:
                break
            found = self._run(self._retry_model(), frame_bgr, box, retry_scale)
        for enhanced_scale in self._settings.pose_enhanced_crop_scales:
            if found is not None:
                break
            found = self._run(self._retry_model(), frame_bgr, box, enhanced_scale, enhance=True)
        if found is None:
            return None
        result, side, origin = found
        lms = result.pose_landmarks.landmark
        norm = np.array([(p.x, p.y) for p in lms], dtype=np.float64)
        visibility = np.array([p.visibility for p in lms], dtype=np.float64)
        image_xy = norm * side + origin
        if result.pose_world_landmarks is not None:
            world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float64)
        else:
            world = np.full((NUM_LANDMARKS, 3), np.nan)
        score = float(visibility[list(CORE_LANDMARKS)].mean())
        return PoseResult(image_xy=image_xy, world_xyz=world, visibility=visibility, score=score)

    def _run(self, model, frame_bgr: np.ndarray, box: np.ndarray, scale: float, *, enhance: bool = False):
        out_px = self._settings.pose_input_px
        matrix, side, origin = square_crop_transform(box, scale, out_px, snap=self._settings.stable_crops)
        crop = cv2.warpAffine(
            frame_bgr, matrix, (out_px, out_px), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
        if enhance:
            crop = contrast.enhance(crop)
        result = model.process(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        if result.pose_landmarks is None:
            return None
        return result, side, origin
