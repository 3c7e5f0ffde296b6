"""Stage 2, GPU backend — follow the skier with SAM2's video predictor.

The user's box prompts SAM2 on the prompt frame; its masks are propagated
forward to the window's end and backward to its start. Each mask becomes a
box in pixels of the upright full-resolution frame, a confidence (from the
mask logits), a ``lost`` flag (mask vanished or tiny) and the mask's area —
the same per-frame arrays the CPU tracker fills a
:class:`~poser_pipeline.tracking_pass.TrackingResult` with, so everything
downstream is unchanged (see :mod:`poser_pipeline.sam2_pass`).

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
import dataclasses
import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from poser_pipeline import boxes as box_ops
from poser_pipeline.progress import ProgressFn, no_progress

#: Model size → SAM2.1 hydra config shipped inside the ``sam2`` package.
MODEL_CONFIGS: dict[str, str] = {
    "tiny": "configs/sam2.1/sam2.1_hiera_t.yaml",
    "small": "configs/sam2.1/sam2.1_hiera_s.yaml",
    "base_plus": "configs/sam2.1/sam2.1_hiera_b+.yaml",
    "large": "configs/sam2.1/sam2.1_hiera_l.yaml",
}
#: Meta's checkpoint file names for each size (for messages and docs only; nothing is downloaded).
CHECKPOINT_NAMES: dict[str, str] = {
    "tiny": "sam2.1_hiera_tiny.pt",
    "small": "sam2.1_hiera_small.pt",
    "base_plus": "sam2.1_hiera_base_plus.pt",
    "large": "sam2.1_hiera_large.pt",
}
_INSTALL_HINT = "install the GPU extras with scripts/install-gpu-extras.sh .venv"
# ImageNet statistics SAM2's own frame loader normalises with
_IMG_MEAN = (0.485, 0.456, 0.406)
_IMG_STD = (0.229, 0.224, 0.225)


class Sam2UnavailableError(RuntimeError):
    """The SAM2 backend cannot run: missing packages, checkpoint or GPU."""


@dataclass(frozen=True)
class Sam2Config:
    """Settings of the SAM2 tracking backend.

    Attributes
    ----------
    checkpoint : Path or None
        SAM2.1 checkpoint file (``SAM2_CHECKPOINT``), e.g. ``sam2.1_hiera_tiny.pt``.
        ``None`` is allowed only with ``allow_random_weights`` (tests).
    model : str
        ``tiny``, ``small``, ``base_plus`` or ``large``; must match the checkpoint
        (``SAM2_MODEL``).
    device : str
        ``auto`` (CUDA when available, else CPU), ``cuda``, ``cuda:N`` or ``cpu``
        (``SAM2_DEVICE``).
    require_gpu : bool
        Refuse to load on a machine without CUDA (``SAM2_REQUIRE_GPU=1``).
    image_size : int or None
        Square model input, pixels; ``None`` keeps the model's 1024. Smaller sizes
        (a multiple of 64) run faster and track worse (tests use 128).
    mask_max_side_px : int
        Long side, pixels, of the masks that boxes are measured on.
    lost_area_ratio : float
        A mask smaller than this fraction of the prompt frame's mask is "lost".
    min_mask_px : int
        A mask with fewer pixels (at mask resolution) is "lost".
    jpeg_quality : int
        Quality of the in-memory JPEGs that hold the downscaled frames.
    bf16_on_cuda : bool
        Run under ``torch.autocast(bfloat16)`` on CUDA (as Meta's examples do).
    allow_random_weights : bool
        Build the model without a checkpoint (random weights): plumbing tests only.
    """

    checkpoint: Path | None = None
    model: str = "tiny"
    device: str = "auto"
    require_gpu: bool = False
    image_size: int | None = None
    mask_max_side_px: int = 512
    lost_area_ratio: float = 0.05
    min_mask_px: int = 4
    jpeg_quality: int = 95
    bf16_on_cuda: bool = True
    allow_random_weights: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Sam2Config:
        """Read ``SAM2_CHECKPOINT``, ``SAM2_MODEL``, ``SAM2_DEVICE``, ``SAM2_IMAGE_SIZE``, ``SAM2_REQUIRE_GPU``."""
        env = os.environ if environ is None else environ
        checkpoint = env.get("SAM2_CHECKPOINT", "").strip()
        size = env.get("SAM2_IMAGE_SIZE", "").strip()
        return cls(
            checkpoint=Path(checkpoint).expanduser() if checkpoint else None,
            model=env.get("SAM2_MODEL", "tiny").strip() or "tiny",
            device=env.get("SAM2_DEVICE", "auto").strip() or "auto",
            require_gpu=env.get("SAM2_REQUIRE_GPU", "").strip().lower() in ("1", "true", "yes"),
            image_size=int(size) if size else None,
        )

    @classmethod
    def from_settings(cls, settings: object, environ: Mapping[str, str] | None = None) -> Sam2Config:
        """:meth:`from_env`, overridden by the ``sam2_*`` fields of ``settings`` that are set (not ``None``).

        Reads ``sam2_checkpoint``, ``sam2_model``, ``sam2_device``, ``sam2_image_size``
        when ``settings`` (a ``PipelineSettings``) has them.
        """
        config = cls.from_env(environ)
        changes: dict[str, Any] = {}
        for field in ("checkpoint", "model", "device", "image_size"):
            value = getattr(settings, f"sam2_{field}", None)
            if value is not None:
                changes[field] = Path(value).expanduser() if field == "checkpoint" else value
        return dataclasses.replace(config, **changes)

    @property
    def config_name(self) -> str:
        try:
            return MODEL_CONFIGS[self.model]
        except KeyError:
            raise Sam2UnavailableError(
                f"SAM2_MODEL={self.model!r} is not a SAM2.1 size: choose one of {', '.join(MODEL_CONFIGS)}"
            ) from None


def sam2_importable() -> bool:
    """True when ``torch`` and ``sam2`` import (imports them: about a second the first time)."""
    try:
        _import_sam2()
    except Sam2UnavailableError:
        return False
    return True


def _import_sam2():
    try:
        import torch
        from sam2.build_sam import build_sam2_video_predictor
    except Exception as exc:  # ImportError, or a broken install failing at import time
        raise Sam2UnavailableError(f"the SAM2 tracker needs torch and sam2 ({exc}): {_INSTALL_HINT}") from exc
    return torch, build_sam2_video_predictor


def resolve_device(config: Sam2Config) -> str:
    """The torch device the predictor will run on (``auto`` → ``cuda`` if available, else ``cpu``)."""
    torch, _ = _import_sam2()
    cuda = torch.cuda.is_available()
    device = config.device.strip().lower()
    if device == "auto":
        device = "cuda" if cuda else "cpu"
    if device.startswith("cuda") and not cuda:
        raise Sam2UnavailableError(f"SAM2_DEVICE={config.device} but CUDA is not available on this machine")
    if config.require_gpu and not device.startswith("cuda"):
        raise Sam2UnavailableError("the SAM2 tracker is configured to require a GPU, but CUDA is not available")
    if device != "cpu" and not device.startswith("cuda"):
        raise Sam2UnavailableError(f"SAM2_DEVICE={config.device!r}: use auto, cuda, cuda:N or cpu")
    return device


def _check_checkpoint(config: Sam2Config) -> Path | None:
    if config.checkpoint is None:
        if config.allow_random_weights:
            return None
        raise Sam2UnavailableError(
            f"SAM2_CHECKPOINT is not set: point it at a SAM2.1 checkpoint file such as "
            f"{CHECKPOINT_NAMES.get(config.model, 'sam2.1_hiera_tiny.pt')} (nothing is downloaded)"
        )
    path = Path(config.checkpoint)
    if not path.exists():
        raise Sam2UnavailableError(f"SAM2_CHECKPOINT={path}: no such file")
    if not path.is_file():
        raise Sam2UnavailableError(f"SAM2_CHECKPOINT={path} is not a file")
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise Sam2UnavailableError(f"SAM2_CHECKPOINT={path} cannot be read ({exc.strerror or exc})") from exc
    if path.stat().st_size == 0:
        raise Sam2UnavailableError(f"SAM2_CHECKPOINT={path} is empty (0 bytes)")
    return path


def load_checkpoint_into(model: Any, path: Path, *, model_name: str = "") -> None:
    """Load a SAM2 checkpoint (``{"model": state_dict}``, as Meta ships them) into ``model``.

    Same format and strictness as ``sam2.build_sam._load_checkpoint``, but every
    failure is a :class:`Sam2UnavailableError` naming the file and the cause.
    """
    torch, _ = _import_sam2()
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip or torch errors: all mean "not a checkpoint"
        raise Sam2UnavailableError(f"SAM2_CHECKPOINT={path} is not a readable torch checkpoint ({exc})") from exc
    state = loaded.get("model") if isinstance(loaded, dict) else None
    if not isinstance(state, dict):
        raise Sam2UnavailableError(f"SAM2_CHECKPOINT={path} holds no 'model' state dict (not a SAM2 checkpoint?)")
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches
        raise Sam2UnavailableError(
            f"SAM2_CHECKPOINT={path} does not fit the {model_name or 'configured'} model "
            f"(does SAM2_MODEL match the checkpoint?): {str(exc).splitlines()[0]}"
        ) from exc
    if missing or unexpected:
        raise Sam2UnavailableError(
            f"SAM2_CHECKPOINT={path} does not fit the {model_name or 'configured'} model "
            f"(does SAM2_MODEL match the checkpoint?): {len(missing)} missing keys (e.g. {missing[:3]}), "
            f"{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})"
        )


def load_sam2_predictor(config: Sam2Config) -> Any:
    """Build SAM2's video predictor and load the checkpoint from ``config.checkpoint``.

    Raises
    ------
    Sam2UnavailableError
        torch/sam2 not installed; checkpoint unset, missing, unreadable or of
        another model; an unknown model size; CUDA required or named but absent.
    """
    _, build_sam2_video_predictor = _import_sam2()
    config_name = config.config_name
    checkpoint = _check_checkpoint(config)
    device = resolve_device(config)
    overrides = []
    if config.image_size is not None:
        if config.image_size < 64 or config.image_size % 64:
            raise Sam2UnavailableError(f"SAM2_IMAGE_SIZE={config.image_size}: use a multiple of 64 (default 1024)")
        overrides.append(f"++model.image_size={int(config.image_size)}")
    # weights are loaded here, not by build_sam2_video_predictor, for clear errors;
    # apply_postprocessing=False: the sam2 wheel is built without its CUDA extension
    predictor = build_sam2_video_predictor(
        config_name, ckpt_path=None, device="cpu", apply_postprocessing=False, hydra_overrides_extra=overrides
    )
    if checkpoint is not None:
        load_checkpoint_into(predictor, checkpoint, model_name=config.model)
    predictor = predictor.to(device)
    predictor.eval()
    return predictor


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


TRACKER_BACKENDS = ("auto", "sam2", "cpu")


@functools.lru_cache(maxsize=1)
def cached_predictor(config: Sam2Config) -> Any:
    """:func:`load_sam2_predictor`, kept for the next run with the same config (a worker loads it once).

    The predictor holds no per-video state between runs (:func:`track_with_sam2` resets it).
    """
    return load_sam2_predictor(config)


def choose_backend(requested: str | None = None, config: Sam2Config | None = None) -> tuple[str, Any, str]:
    """Pick the tracking backend for ``POSER_TRACKER`` (``auto``, ``sam2`` or ``cpu``).

    Returns ``(backend, predictor, reason)``: ``("sam2", predictor, ...)`` or
    ``("cpu", None, why SAM2 is not used)``. ``auto`` takes SAM2 only with
    torch/sam2 installed, ``SAM2_CHECKPOINT`` set and CUDA available (SAM2 on a
    CPU is far slower than the CPU tracker), and falls back to the CPU tracker
    otherwise; ``sam2`` raises :class:`Sam2UnavailableError` instead of falling back.
    """
    requested = (requested or os.environ.get("POSER_TRACKER", "auto")).strip().lower() or "auto"
    if requested not in TRACKER_BACKENDS:
        raise ValueError(f"POSER_TRACKER={requested!r}: use one of {', '.join(TRACKER_BACKENDS)}")
    if requested == "cpu":
        return "cpu", None, "POSER_TRACKER=cpu"
    config = config or Sam2Config.from_env()
    if requested == "sam2":
        return "sam2", cached_predictor(config), "POSER_TRACKER=sam2"
    if config.checkpoint is None:
        return "cpu", None, "SAM2_CHECKPOINT is not set"
    if not sam2_importable():
        return "cpu", None, f"torch/sam2 are not installed ({_INSTALL_HINT})"
    import torch

    if not torch.cuda.is_available():
        return "cpu", None, "no CUDA GPU"
    try:
        return "sam2", cached_predictor(config), "CUDA GPU and SAM2_CHECKPOINT"
    except Sam2UnavailableError as exc:
        return "cpu", None, f"SAM2 could not be loaded: {exc}"
