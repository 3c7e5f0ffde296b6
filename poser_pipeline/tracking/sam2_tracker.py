"""Stage 2, GPU backend — follow the skier with SAM2's video predictor.

The user's box prompts SAM2 on the prompt frame; its masks are propagated
forward to the window's end and backward to its start. Each mask becomes a
box in pixels of the upright full-resolution frame, a confidence (from the
mask logits), a ``lost`` flag (mask vanished or tiny) and the mask's area —
the same per-frame arrays the CPU tracker fills a
:class:`~poser_pipeline.tracking.cpu_pass.TrackingResult` with, so everything
downstream is unchanged (see :mod:`poser_pipeline.tracking.sam2_pass`).

Memory: frames are downscaled to the model's square input as they are
decoded and kept as in-memory JPEGs (about 0.1–0.3 MB each at 1024 px); no
full-resolution frame is held and nothing is written to disk. Masks are
produced at a reduced "mask resolution" (``mask_max_side_px``), not at the
clip's resolution, and boxes are scaled back up.

torch and sam2 are optional (``scripts/install-gpu-extras.sh``): they are
imported only when a predictor is loaded, so this module imports without them.
Nothing here downloads anything; the checkpoint comes from a path
(``SAM2_CHECKPOINT``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from poser_pipeline import boxes as box_ops
from poser_pipeline.progress import ProgressFn, no_progress
from poser_pipeline.tracking.sam2_loader import (  # noqa: F401 - re-exported: the backend's one import point
    _INSTALL_HINT,
    CHECKPOINT_NAMES,
    MODEL_CONFIGS,
    TRACKER_BACKENDS,
    Sam2Config,
    Sam2UnavailableError,
    _check_checkpoint,
    _import_sam2,
    cached_predictor,
    choose_backend,
    load_checkpoint_into,
    load_sam2_predictor,
    resolve_device,
    sam2_importable,
)

# ImageNet statistics SAM2's own frame loader normalises with
_IMG_MEAN = (0.485, 0.456, 0.406)
_IMG_STD = (0.229, 0.224, 0.225)


@dataclass
class Sam2Track:
    """SAM2's per-frame answer for the ``T`` frames of the window.

    Attributes
    ----------
    boxes : (T, 4) float ndarray
        x1, y1, x2, y2 pixels of the upright full-resolution frame; always
        finite (a lost frame holds the last box seen in its direction of time).
    confidence : (T,) float ndarray
        0–1: the mean certainty of the mask's pixels (``2·sigmoid(logit) − 1``); 0 when lost.
    lost : (T,) bool ndarray
        The mask vanished (SAM2 judged the object absent) or is tiny.
    mask_area_px : (T,) float ndarray
        Mask area in pixels of the full-resolution frame.
    source : (T,) object ndarray
        ``"sam2"`` everywhere.
    prompt_index : int
    """

    boxes: np.ndarray
    confidence: np.ndarray
    lost: np.ndarray
    mask_area_px: np.ndarray
    source: np.ndarray
    prompt_index: int

    @property
    def num_frames(self) -> int:
        return len(self.boxes)


class DownscaledFrames:
    """The window's frames, downscaled to the model input and held as in-memory JPEGs.

    Indexing returns the normalised ``(3, S, S) float32`` tensor SAM2's
    ``_get_image_feature`` expects (what its JPEG-folder loader would hold).
    """

    def __init__(self, image_size: int, quality: int) -> None:
        torch, _ = _import_sam2()
        self._torch = torch
        self._size = image_size
        self._quality = quality
        self._encoded: list[np.ndarray] = []
        self._mean = torch.tensor(_IMG_MEAN, dtype=torch.float32)[:, None, None]
        self._std = torch.tensor(_IMG_STD, dtype=torch.float32)[:, None, None]
        self.frame_size: tuple[int, int] = (0, 0)  # (width, height) of the full-size frames

    @property
    def image_size(self) -> int:
        return self._size

    def append(self, frame_bgr: np.ndarray) -> None:
        height, width = frame_bgr.shape[:2]
        if not self._encoded:
            self.frame_size = (width, height)
        elif (width, height) != self.frame_size:
            raise ValueError(
                f"frame {len(self._encoded)} is {width}x{height}, not {self.frame_size[0]}x{self.frame_size[1]}"
            )
        small = cv2.resize(frame_bgr, (self._size, self._size), interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, self._quality])
        if not ok:
            raise RuntimeError("JPEG encoding of a downscaled frame failed")
        self._encoded.append(data)

    def __len__(self) -> int:
        return len(self._encoded)

    def __getitem__(self, index: int):
        bgr = cv2.imdecode(self._encoded[index], cv2.IMREAD_COLOR)
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        image = self._torch.from_numpy(rgb).permute(2, 0, 1).float() / 255.0
        return (image - self._mean) / self._std

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self._encoded)


def init_state_from_frames(
    predictor: Any,
    frames: DownscaledFrames,
    mask_size: tuple[int, int],
    *,
    offload_video_to_cpu: bool = True,
    offload_state_to_cpu: bool = True,
) -> dict:
    """SAM2's ``init_state`` for frames already in memory (sam2 1.1.0 reads only JPEG folders or MP4s).

    ``mask_size`` (height, width) stands in for the video's size: SAM2 resizes
    its masks to it and reads box prompts in its pixels. Everything else is
    what ``SAM2VideoPredictor.init_state`` sets (checked by the tests).
    """
    torch, _ = _import_sam2()
    from collections import OrderedDict

    device = predictor.device
    state: dict[str, Any] = {
        "images": frames,
        "num_frames": len(frames),
        "offload_video_to_cpu": offload_video_to_cpu,
        "offload_state_to_cpu": offload_state_to_cpu,
        "video_height": int(mask_size[0]),
        "video_width": int(mask_size[1]),
        "device": device,
        "storage_device": torch.device("cpu") if offload_state_to_cpu else device,
        "point_inputs_per_obj": {},
        "mask_inputs_per_obj": {},
        "cached_features": {},
        "constants": {},
        "obj_id_to_idx": OrderedDict(),
        "obj_idx_to_id": OrderedDict(),
        "obj_ids": [],
        "output_dict_per_obj": {},
        "temp_output_dict_per_obj": {},
        "frames_tracked_per_obj": {},
    }
    with torch.inference_mode():
        predictor._get_image_feature(state, frame_idx=0, batch_size=1)  # warm-up, as init_state does
    return state


def mask_size_for(width: int, height: int, max_side_px: int) -> tuple[int, int]:
    """(height, width) of the masks: the frame scaled so its long side is at most ``max_side_px``."""
    scale = min(1.0, max_side_px / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _mask_measure(logits: np.ndarray) -> tuple[np.ndarray | None, float, float]:
    """Box (mask pixels, x2/y2 exclusive), area (pixels) and certainty (0–1) of one mask's logits."""
    mask = logits > 0.0
    area = float(mask.sum())
    if area == 0:
        return None, 0.0, 0.0
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    box = np.array([xs[0], ys[0], xs[-1] + 1, ys[-1] + 1], dtype=np.float64)
    probs = 1.0 / (1.0 + np.exp(-np.clip(logits[mask], -50.0, 50.0)))
    certainty = float(np.clip(2.0 * probs.mean() - 1.0, 0.0, 1.0))
    return box, area, certainty


def downscale_frames(
    frames_bgr: Iterable[np.ndarray],
    predictor: Any,
    *,
    config: Sam2Config | None = None,
    progress: ProgressFn = no_progress,
    expected_frames: int | None = None,
) -> DownscaledFrames:
    """Downscale each upright frame to the model's input as it arrives (one full-size frame alive at a time)."""
    config = config or Sam2Config()
    store = DownscaledFrames(int(predictor.image_size), config.jpeg_quality)
    for frame in frames_bgr:
        store.append(frame)
        progress("decode", len(store), max(expected_frames or 0, len(store)))
    return store


def track_with_sam2(
    frames_bgr: Iterable[np.ndarray] | DownscaledFrames,
    prompt_index: int,
    prompt_box: np.ndarray,
    predictor: Any,
    *,
    config: Sam2Config | None = None,
    progress: ProgressFn = no_progress,
    expected_frames: int | None = None,
) -> Sam2Track:
    """Track the object in ``prompt_box`` (on frame ``prompt_index``) through ``frames_bgr``.

    Parameters
    ----------
    frames_bgr : iterable of (H, W, 3) uint8 ndarray, or DownscaledFrames
        The window's upright frames in order, e.g. ``f.to_bgr() for f in iter_window(...)``
        (downscaled as they arrive), or the result of :func:`downscale_frames`.
    prompt_index : int
        Index (within ``frames_bgr``) of the frame the box was drawn on.
    prompt_box : (4,) float ndarray
        x1, y1, x2, y2 pixels of that frame.
    predictor
        From :func:`load_sam2_predictor`.
    expected_frames : int, optional
        Estimate of the frame count, for progress only.

    Returns
    -------
    Sam2Track
        SAM2 runs forward from the prompt frame to the end, then backward to frame 0.
    """
    config = config or Sam2Config()
    torch, _ = _import_sam2()
    if isinstance(frames_bgr, DownscaledFrames):
        store = frames_bgr
    else:
        store = downscale_frames(
            frames_bgr, predictor, config=config, progress=progress, expected_frames=expected_frames
        )
    n = len(store)
    if n == 0:
        raise ValueError("no frames to track")
    if store.image_size != int(predictor.image_size):
        raise ValueError(f"frames were downscaled to {store.image_size} px, the model wants {predictor.image_size}")
    if not 0 <= prompt_index < n:
        raise ValueError(f"prompt_index {prompt_index} is outside the {n} frames")

    width, height = store.frame_size
    mask_h, mask_w = mask_size_for(width, height, config.mask_max_side_px)
    sx, sy = width / mask_w, height / mask_h
    prompt = np.asarray(prompt_box, dtype=np.float64)
    device = str(predictor.device)
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if device.startswith("cuda") and config.bf16_on_cuda
        else contextlib.nullcontext()
    )

    logits_by_frame: dict[int, np.ndarray] = {}
    with torch.inference_mode(), autocast:
        state = init_state_from_frames(predictor, store, (mask_h, mask_w))
        predictor.add_new_points_or_box(
            state, frame_idx=prompt_index, obj_id=1, box=prompt / np.array([sx, sy, sx, sy]), normalize_coords=True
        )
        for reverse in (False, True):
            if reverse and prompt_index == 0:
                break
            for frame_idx, _obj_ids, masks in predictor.propagate_in_video(
                state, start_frame_idx=prompt_index, reverse=reverse
            ):
                if frame_idx not in logits_by_frame:
                    logits_by_frame[frame_idx] = masks[0, 0].float().cpu().numpy()
                    progress("track", len(logits_by_frame), n)
        predictor.reset_state(state)

    return _masks_to_track(logits_by_frame, n, prompt_index, prompt, (width, height), (sx, sy), config)


def _masks_to_track(
    logits_by_frame: dict[int, np.ndarray],
    n: int,
    prompt_index: int,
    prompt_box: np.ndarray,
    frame_size: tuple[int, int],
    scale_xy: tuple[float, float],
    config: Sam2Config,
) -> Sam2Track:
    width, height = frame_size
    sx, sy = scale_xy
    measured = {i: _mask_measure(logits) for i, logits in logits_by_frame.items()}
    ref_area = measured.get(prompt_index, (None, 0.0, 0.0))[1]
    min_area = max(float(config.min_mask_px), config.lost_area_ratio * ref_area)

    track = Sam2Track(
        boxes=np.zeros((n, 4)),
        confidence=np.zeros(n),
        lost=np.ones(n, dtype=bool),
        mask_area_px=np.zeros(n),
        source=np.full(n, "sam2", dtype=object),
        prompt_index=prompt_index,
    )
    prompt_clipped = box_ops.clip_box(prompt_box, width, height)
    # walk outward from the prompt frame so a lost frame holds the last box seen in its direction
    for order in (range(prompt_index, n), range(prompt_index, -1, -1)):
        last = prompt_clipped
        for i in order:
            box, area, certainty = measured.get(i, (None, 0.0, 0.0))
            track.mask_area_px[i] = area * sx * sy
            if box is not None and (area >= min_area or i == prompt_index):
                last = box_ops.clip_box(box * np.array([sx, sy, sx, sy]), width, height)
                track.lost[i] = False
                track.confidence[i] = certainty
            elif i == prompt_index:  # SAM2 found nothing in the user's box: keep the box, say so
                track.lost[i] = True
            track.boxes[i] = last
    return track
