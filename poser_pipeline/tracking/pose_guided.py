"""Stage 2 — follow the skier from one box, frame to frame, on the CPU.

:class:`PoseGuidedTracker` fuses two kinds of evidence each frame:

* **pose** — BlazePose on a crop around the expected box; the landmarks'
  extent plus the margins learned from the user's box (skis and poles stick
  out past the joints) gives the box. Pose knows what a person is, so it
  corrects drift and scale.
* **appearance** — OpenCV's CSRT correlation tracker on a downscaled frame.
  It needs no weights and keeps the skier when pose fails (fog, tiny skier,
  motion blur), but its box shrinks toward the torso, so only its centre is
  trusted.

Both are gated by a constant-velocity prediction: a box that jumps more than
``max_jump_box_diagonals`` or changes size abruptly is taken for another
person (a passer-by, a gate judge) and refused. Without any accepted
evidence the box coasts on the prediction; after ``lost_after_frames`` it is
flagged lost and the pose crop widens to re-acquire.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from poser_pipeline import boxes
from poser_pipeline.pose.blazepose import BlazePoseEstimator, PoseResult
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.silhouette import contrast_box

#: Margins (fractions of the landmarks' height) from the landmark extent to a
#: body-and-skis box, used when pose is not found on the prompt frame.
DEFAULT_MARGINS = np.array([0.15, 0.12, 0.15, 0.12])
_MAX_SIZE_CHANGE = 1.6
_MAX_OUTLINE_CHANGE = 1.25
_APPEARANCE_CONFIDENCE = 0.5
_RECENTRE_SHARE = 0.1


@dataclass(frozen=True)
class TrackStep:
    """The tracker's answer for one frame.

    ``box`` is x1, y1, x2, y2 pixels of the upright frame; ``confidence`` is
    0–1; ``lost`` means no evidence for several frames (the box is a guess);
    ``source`` is ``"prompt"``, ``"pose"``, ``"appearance"`` or ``"predicted"``.
    """

    box: np.ndarray
    confidence: float
    lost: bool
    source: str
    pose: PoseResult | None


def _csrt() -> cv2.Tracker:
    params = cv2.TrackerCSRT_Params()
    params.use_segmentation = False  # faster; colour masks add little on snow
    return cv2.TrackerCSRT_create(params)


class PoseGuidedTracker:
    """Track one skier in one direction of time from a prompt box.

    Parameters
    ----------
    frame_bgr : (H, W, 3) uint8 ndarray
        The prompt frame, upright.
    box : (4,) float ndarray
        The user's box on that frame, pixels.
    pose : BlazePoseEstimator
        Used (and owned) by this tracker for the whole direction.
    settings : PipelineSettings
    """

    def __init__(
        self,
        frame_bgr: np.ndarray,
        box: np.ndarray,
        pose: BlazePoseEstimator,
        settings: PipelineSettings,
        *,
        margins: np.ndarray | None = None,
    ) -> None:
        self._settings = settings
        self._pose = pose
        height, width = frame_bgr.shape[:2]
        self._frame_size = (width, height)
        self._scale = min(1.0, settings.tracker_max_side_px / max(width, height))
        self._box = np.asarray(box, dtype=np.float64)
        self._velocity = np.zeros(2)
        self._frames_without_evidence = 0
        first_pose = self._pose.estimate(frame_bgr, self._box)
        if margins is None:  # stable crops: margins learned from the drawn box would keep two tracks apart
            margins = DEFAULT_MARGINS.copy() if settings.stable_crops else self.learn_margins(first_pose, self._box)
        self.margins = margins
        self.first = TrackStep(self._box.copy(), 1.0, False, "prompt", first_pose)
        self._appearance = None
        self._start_appearance(frame_bgr, self._box)
        self._appearance_stale = False
        self._last_frame, self._last_source = frame_bgr, "prompt" if first_pose is not None else "appearance"

    @staticmethod
    def learn_margins(pose: PoseResult | None, box: np.ndarray) -> np.ndarray:
        """Margins from the landmark extent to the user's box (fractions of height).

        Averaged with :data:`DEFAULT_MARGINS` so one sloppy box does not
        set the size of every later box.
        """
        if pose is None:
            return DEFAULT_MARGINS.copy()
        ext = pose.extent()
        height = max(ext[3] - ext[1], 1.0)
        learned = np.array([ext[0] - box[0], ext[1] - box[1], box[2] - ext[2], box[3] - ext[3]]) / height
        if boxes.iou(ext, box) < 0.2:  # pose found someone else: ignore it
            return DEFAULT_MARGINS.copy()
        return 0.5 * np.clip(learned, -0.05, 0.6) + 0.5 * DEFAULT_MARGINS

    def _start_appearance(self, frame_bgr: np.ndarray, box: np.ndarray) -> None:
        small = self._downscale(frame_bgr)
        x1, y1, x2, y2 = box * self._scale
        rect = (round(x1), round(y1), max(4, round(x2 - x1)), max(4, round(y2 - y1)))
        self._appearance = _csrt()
        self._appearance.init(small, rect)

    def _downscale(self, frame_bgr: np.ndarray) -> np.ndarray:
        if self._scale >= 1.0:
            return frame_bgr
        h, w = frame_bgr.shape[:2]
        return cv2.resize(frame_bgr, (round(w * self._scale), round(h * self._scale)), interpolation=cv2.INTER_AREA)

    def _appearance_box(self, frame_bgr: np.ndarray) -> np.ndarray | None:
        ok, rect = self._appearance.update(self._downscale(frame_bgr))
        if not ok:
            return None
        x, y, w, h = (v / self._scale for v in rect)
        return np.array([x, y, x + w, y + h], dtype=np.float64)

    def _plausible(self, candidate: np.ndarray, predicted: np.ndarray, *, check_size: bool) -> bool:
        jump = np.linalg.norm(boxes.centre(candidate) - boxes.centre(predicted))
        if jump > self._settings.max_jump_box_diagonals * boxes.diagonal(predicted):
            return False
        if check_size:
            ratio = boxes.size(candidate) / np.maximum(boxes.size(predicted), 1.0)
            if np.any(ratio > _MAX_SIZE_CHANGE) or np.any(ratio < 1.0 / _MAX_SIZE_CHANGE):
                return False
        return True

    def pose_box(self, pose: PoseResult) -> np.ndarray:
        """Body-and-skis box from the landmarks and the learned margins."""
        ext = pose.extent()
        height = max(ext[3] - ext[1], 1.0)
        return ext + np.array([-1, -1, 1, 1]) * self.margins * height

    def _refine_size(self, frame_bgr: np.ndarray, anchor: np.ndarray) -> np.ndarray:
        """Let the box follow the skier's outline when only appearance is known.

        The silhouette's size and centre are blended in gently; an outline
        of implausible size (a pole, a passer-by merged in) is ignored.
        """
        outline = contrast_box(frame_bgr, anchor)
        if outline is None or not self._plausible(outline, anchor, check_size=True):
            return anchor
        # an outline merged with a neighbour (a passer-by, a gate) may grow the box only a little
        limit = boxes.from_centre_size(boxes.centre(anchor), boxes.size(anchor) * _MAX_OUTLINE_CHANGE)
        outline = np.array(
            [max(outline[0], limit[0]), max(outline[1], limit[1]), min(outline[2], limit[2]), min(outline[3], limit[3])]
        )
        c = 0.5 * boxes.centre(anchor) + 0.5 * boxes.centre(outline)
        s = 0.7 * boxes.size(anchor) + 0.3 * boxes.size(outline)
        return boxes.from_centre_size(c, s)

    def _try_pose(
        self, frame_bgr: np.ndarray, anchor: np.ndarray, predicted: np.ndarray, crop_scale: float
    ) -> tuple[PoseResult | None, np.ndarray | None]:
        """Pose on a crop at ``anchor``; its box if plausible (else the estimator is reset)."""
        pose = self._pose.estimate(frame_bgr, anchor, crop_scale=crop_scale)
        if pose is None:
            return None, None
        if pose.score >= self._settings.min_pose_visibility:
            candidate = self.pose_box(pose)
            if self._plausible(candidate, predicted, check_size=True):
                return pose, candidate
        self._pose.reset()  # it may be locked on someone else: detect afresh next frame
        return None, None

    def step(self, frame_bgr: np.ndarray) -> TrackStep:
        """Advance to the next frame (in this tracker's direction of time).

        While pose keeps finding the skier, pose alone moves the box and the
        appearance tracker rests (it costs as much as pose); when pose fails,
        the appearance tracker restarts from the last frame pose saw.
        """
        predicted = boxes.from_centre_size(boxes.centre(self._box) + self._velocity, boxes.size(self._box))
        is_lost = self._frames_without_evidence >= self._settings.lost_after_frames
        crop_scale = self._settings.pose_crop_scale * (1.6 if is_lost else 1.0)
        pose, pose_box, appearance, anchor = None, None, None, predicted
        pose_was_on = self._last_source in ("pose", "prompt")
        if pose_was_on:
            pose, pose_box = self._try_pose(frame_bgr, predicted, predicted, crop_scale)
            if pose_box is not None and np.linalg.norm(
                boxes.centre(pose_box) - boxes.centre(predicted)
            ) > _RECENTRE_SHARE * boxes.diagonal(predicted):
                # the skier moved off the predicted crop's centre: look again, centred on them
                again, again_box = self._try_pose(frame_bgr, pose_box, predicted, crop_scale)
                if again_box is not None:
                    pose, pose_box = again, again_box
        if pose_box is None:
            if self._appearance_stale:
                self._start_appearance(self._last_frame, self._box)
                self._appearance_stale = False
            appearance = self._appearance_box(frame_bgr)
            if appearance is not None and not self._plausible(appearance, predicted, check_size=False):
                appearance = None
            if appearance is not None:
                anchor = boxes.from_centre_size(boxes.centre(appearance), boxes.size(predicted))
            moved = np.linalg.norm(boxes.centre(anchor) - boxes.centre(predicted))
            if not pose_was_on or moved > 0.1 * boxes.diagonal(predicted):
                pose, pose_box = self._try_pose(frame_bgr, anchor, predicted, crop_scale)

        if pose_box is not None:
            new_box, confidence, source = pose_box, float(pose.score), "pose"
            self._appearance_stale = True  # restarted from this frame if pose fails later
            self._frames_without_evidence = 0
        elif appearance is not None:
            new_box, confidence, source = self._refine_size(frame_bgr, anchor), _APPEARANCE_CONFIDENCE, "appearance"
            self._frames_without_evidence = 0
        else:
            new_box, confidence, source = predicted, 0.0, "predicted"
            self._frames_without_evidence += 1

        width, height = self._frame_size
        clipped = boxes.clip_box(new_box, width, height)
        if boxes.area(clipped) > 0:  # a box that coasted fully out of frame keeps its shape
            new_box = clipped
        moved = boxes.centre(new_box) - boxes.centre(self._box)
        self._velocity = 0.6 * self._velocity + 0.4 * moved if source != "predicted" else 0.9 * self._velocity
        self._box = new_box
        self._last_frame, self._last_source = frame_bgr, source
        lost = self._frames_without_evidence >= self._settings.lost_after_frames
        return TrackStep(new_box.copy(), 0.0 if lost else confidence, lost, source, pose)
