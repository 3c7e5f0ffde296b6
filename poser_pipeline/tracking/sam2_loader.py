"""Loading SAM2 for the GPU tracker: configuration, the checkpoint from a path, device choice.

torch and sam2 are optional (``scripts/install-gpu-extras.sh``) and imported only when a predictor
is loaded, so this module imports without them. Nothing here downloads anything: the checkpoint
comes from a path in the settings (the CLI and the services read it from ``SAM2_CHECKPOINT``).
:func:`choose_backend` decides between SAM2 and the CPU tracker.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    def from_settings(cls, settings: object) -> Sam2Config:
        """The ``sam2_*`` fields of ``settings`` (a ``PipelineSettings``); those left ``None`` keep the defaults.

        Reads ``sam2_checkpoint``, ``sam2_model``, ``sam2_device``, ``sam2_image_size`` and ``sam2_require_gpu``.
        """
        changes: dict[str, Any] = {}
        for field in ("checkpoint", "model", "device", "image_size", "require_gpu"):
            value = getattr(settings, f"sam2_{field}", None)
            if value is not None:
                changes[field] = Path(value).expanduser() if field == "checkpoint" else value
        return cls(**changes)

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


TRACKER_BACKENDS = ("auto", "sam2", "cpu")


@functools.lru_cache(maxsize=1)
def cached_predictor(config: Sam2Config) -> Any:
    """:func:`load_sam2_predictor`, kept for the next run with the same config (a worker loads it once).

    The predictor holds no per-video state between runs (:func:`track_with_sam2` resets it).
    """
    return load_sam2_predictor(config)


def choose_backend(requested: str = "auto", config: Sam2Config | None = None) -> tuple[str, Any, str]:
    """Pick the tracking backend ``requested`` (``auto``, ``sam2`` or ``cpu``; ``POSER_TRACKER`` outside).

    Returns ``(backend, predictor, reason)``: ``("sam2", predictor, ...)`` or
    ``("cpu", None, why SAM2 is not used)``. ``auto`` takes SAM2 only with
    torch/sam2 installed, ``SAM2_CHECKPOINT`` set and CUDA available (SAM2 on a
    CPU is far slower than the CPU tracker), and falls back to the CPU tracker
    otherwise; ``sam2`` raises :class:`Sam2UnavailableError` instead of falling back.
    """
    requested = (requested or "auto").strip().lower() or "auto"
    if requested not in TRACKER_BACKENDS:
        raise ValueError(f"POSER_TRACKER={requested!r}: use one of {', '.join(TRACKER_BACKENDS)}")
    if requested == "cpu":
        return "cpu", None, "POSER_TRACKER=cpu"
    config = config or Sam2Config()
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
