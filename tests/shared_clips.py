"""Access to the labelled real clips in ``../shared/clips`` (absent on users' machines)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED_CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "clips"
CLIP_NAMES = ("overlay.mp4", "v_Skiing_g24_c01.gif", "byTD1v33P7U_0-4.mp4")
#: Clips on which BlazePose must find the skier (the foggy one defeats its detector).
POSE_CLIPS = ("overlay.mp4", "v_Skiing_g24_c01.gif")


@dataclass(frozen=True)
class LabelledClip:
    path: Path
    prompt_frame: int
    prompt_box: np.ndarray
    fps: float
    boxes: dict[int, np.ndarray | None]


def load_clip(name: str) -> LabelledClip:
    path = SHARED_CLIPS / name
    labels = json.loads((SHARED_CLIPS / f"{name}.labels.json").read_text())
    return LabelledClip(
        path=path,
        prompt_frame=int(labels["prompt"]["frame"]),
        prompt_box=np.asarray(labels["prompt"]["box"], dtype=np.float64),
        fps=float(labels["fps"]),
        boxes={int(k): None if v is None else np.asarray(v, dtype=np.float64) for k, v in labels["boxes"].items()},
    )


def available() -> bool:
    return all((SHARED_CLIPS / n).is_file() and (SHARED_CLIPS / f"{n}.labels.json").is_file() for n in CLIP_NAMES)
