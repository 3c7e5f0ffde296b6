"""The snow's reference direction in the camera's frame, so body angles are read against the snow.

Pose landmarks come in the camera's orientation: "up" is the image's vertical. A camera that rolls
(a follow-cam, a phone held a little crooked) or a slope that tilts sideways adds a tilt to every
frontal angle — both edges and the inclination — that is not the skier's. Left turns then read
steeper than right ones and the turn signal crosses zero off the real transitions.

The evidence used here is the skier's own lean. Over a pair of opposite turns a skier leans about as
far into one as into the other, so the midpoint between the inclination at a left apex and at the
next right apex is the tilt of the snow's normal away from the image vertical, seen in the skier's
frontal plane. Each consecutive pair of opposite apexes gives one midpoint; their mean is the tilt,
or a line through them in time where they trend by more than their scatter explains, so a camera
that rolls slowly through the clip is followed. The tilt is taken as a roll of the camera about its optical axis: the
landmarks are rolled back by it (more where the skis point obliquely to the camera, which sees only
part of a roll in the skier's frontal plane) and every angle is measured again, until the lean is
symmetric. Behind or in front of the skier a sideways slope tilts the frontal plane in the same way
and is levelled with the camera.

Limits: the method assumes the skier's lean is symmetric over a turn pair, so a real left/right
asymmetry in *lean* is read as camera tilt and removed (an asymmetry of the edges relative to the
lean is kept). With fewer than two pairs of opposite apexes (one or two turns, a glide, a
traverse), with midpoints scattered too widely to trust (:data:`MAX_TILT_UNCERTAINTY_DEG`), or with
a roll no filming camera has (:data:`MAX_CAMERA_ROLL_DEG`), there is no usable evidence and angles
stay against the camera, with a note saying so. A camera roll faster than a turn pair
is not followed; seen from the side, the skis' tilt is not measured at all.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from poser_pipeline.metrics.series import MIN_FORWARD_DEPTH_COSINE, FrameSeries, compute_frame_series
from poser_pipeline.metrics.turns import segment_turns
from poser_pipeline.settings import PipelineSettings

#: Rounds of "find turns on the levelled lean, measure its tilt again": a tilt large enough to hide
#: a turn's lean from the first round is found by the second.
_ROUNDS = 3
#: Frontal tilt, deg, below which the landmarks count as level.
_LEVEL_DEG = 0.1
#: A tilt less sure than this (standard error, deg) is not applied: levelling with it could add more
#: error than the 3° the edge angles are meant to be within. An irregular lean (noisy pose, a skier who
#: leans far more one way) gives such a spread of midpoints.
MAX_TILT_UNCERTAINTY_DEG = 3.0
#: Fewest opposite-apex pairs to level from: one midpoint alone shows nothing of its own scatter.
MIN_PAIRS = 2
#: A roll beyond this, deg, is not a camera held to film a skier (the synthetic camera rolls ±20°):
#: the lean it came from is not a turn pair's.
MAX_CAMERA_ROLL_DEG = 30.0
#: What every note of an unlevelled clip ends with.
_AGAINST_CAMERA = "angles are read against the camera's vertical"
#: An apex is used only if pose was usable within this many frames of it.
_APEX_POSE_FRAMES = 2


@dataclass(frozen=True)
class SnowReference:
    """The camera's roll away from the snow's normal, and what it was measured from.

    ``roll_deg`` is ``(T,)`` deg, the camera's roll that the landmarks were levelled from (+ turned
    clockwise as its operator sees it; 0 everywhere without evidence); ``evidence`` is
    ``"lean_symmetry"`` or ``"none"``; ``pairs`` the number of opposite-apex pairs used;
    ``tilt_uncertainty_deg`` the standard error of the reference's tilt in the skier's frontal plane
    (what it moves edge angles and inclination by); ``note`` says why no evidence was usable
    (``None`` when some was).
    """

    roll_deg: np.ndarray
    evidence: str
    pairs: int
    tilt_uncertainty_deg: float
    note: str | None = None

    def summary(self) -> dict[str, object]:
        """The reference as ``run.json`` states it (degrees rounded to 0.1)."""
        roll = self.roll_deg
        return {
            "evidence": self.evidence,
            "pairs": self.pairs,
            "camera_roll_deg": round(float(np.median(roll)), 1),
            "camera_roll_range_deg": [round(float(roll.min()), 1), round(float(roll.max()), 1)],
            "tilt_uncertainty_deg": round(float(self.tilt_uncertainty_deg), 1),
            "note": self.note,
        }


def camera_vertical(n_frames: int, note: str | None = None) -> SnowReference:
    """No evidence: angles stay against the camera's vertical, and ``note`` says why."""
    return SnowReference(np.zeros(n_frames), "none", 0, 0.0, note)


def apex_midpoints(
    signal_deg: np.ndarray, valid: np.ndarray, *, fps: float, settings: PipelineSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Frames and values (deg) of the midpoints between consecutive opposite apexes of ``signal_deg``.

    Turns are found on ``signal_deg`` (:func:`~poser_pipeline.metrics.turns.segment_turns`); an apex
    counts if it lies at least ``settings.turn_min_duration_s`` from both clip ends, with usable pose
    near it.
    """
    structure = segment_turns(signal_deg, fps=fps, settings=settings)
    n = len(signal_deg)
    # a peak this close to a clip end may be the low-pass filter's edge, or a lean still growing
    margin = max(1, round(settings.turn_min_duration_s * fps))
    apexes = []
    for seg in structure.segments:
        near = valid[max(0, seg.apex - _APEX_POSE_FRAMES) : seg.apex + _APEX_POSE_FRAMES + 1]
        if margin <= seg.apex < n - margin and near.any():
            apexes.append((seg.apex, seg.direction, float(structure.signal_deg[seg.apex])))
    frames, values = [], []
    for (a, dir_a, lean_a), (b, dir_b, lean_b) in itertools.pairwise(apexes):
        if dir_a != dir_b:
            frames.append((a + b) / 2)
            values.append((lean_a + lean_b) / 2)
    return np.asarray(frames, dtype=np.float64), np.asarray(values, dtype=np.float64)


def tilt_through(frames: np.ndarray, values: np.ndarray, n_frames: int) -> tuple[np.ndarray, float]:
    """Per-frame tilt ``(n_frames,)`` through the midpoints, and its standard error, deg.

    Their mean, or — with three or more midpoints whose trend in time is more than twice its own
    standard error (a camera that rolls through the clip) — their least-squares line.
    """
    t = np.arange(n_frames, dtype=np.float64)
    n = len(values)
    mean = float(np.mean(values))
    if n >= 3:
        slope, intercept = np.polyfit(frames, values, 1)
        residual = values - (slope * frames + intercept)
        sigma = float(np.sqrt(np.sum(residual**2) / (n - 2)))
        spread = float(np.sum((frames - frames.mean()) ** 2))
        if spread > 0 and abs(slope) > 2 * sigma / np.sqrt(spread):
            return slope * t + intercept, sigma / np.sqrt(n)
        return np.full(n_frames, mean), float(np.std(values, ddof=1)) / np.sqrt(n)
    se = float(np.std(values, ddof=1)) / np.sqrt(2) if n == 2 else float("nan")
    return np.full(n_frames, mean), se


def lean_tilt(
    series: FrameSeries, *, fps: float, settings: PipelineSettings, guess_deg: np.ndarray | None = None
) -> tuple[np.ndarray, float, int] | None:
    """The lean's tilt per frame ``(T,)`` deg (+ toward the skier's left), its standard error, and pairs used.

    Starting from ``guess_deg`` (default: the middle of the lean's range, its 10th and 90th
    percentiles, so that a tilt as large as the lean itself still lets both turn directions show),
    each round finds turns on the lean less the tilt and measures the tilt again from the apex
    midpoints. ``None`` when no opposite pair of apexes is found.
    """
    lean = np.where(series.valid, series.inclination_deg, np.nan)
    n = len(lean)
    if np.isfinite(lean).sum() < 3:
        return None
    tilt = np.full(n, float(np.mean(np.nanpercentile(lean, [10, 90])))) if guess_deg is None else guess_deg
    found = None
    for _ in range(_ROUNDS):
        frames, lean_at = apex_midpoints(lean - tilt, series.valid, fps=fps, settings=settings)
        if not len(frames):
            break
        values = lean_at + tilt[np.round(frames).astype(int)]
        new_tilt, se = tilt_through(frames, values, n)
        found = (new_tilt, se, len(values))
        converged = np.max(np.abs(new_tilt - tilt)) < _LEVEL_DEG
        tilt = new_tilt
        if converged:
            break
    if found is None:
        return None
    tilt, se, pairs = found
    noise = series.noise_sd_deg.get("inclination_deg", float("nan"))
    # a midpoint averages two apexes of the low-passed lean: at least that much noise is left in it
    floor = noise / np.sqrt(2 * pairs) if np.isfinite(noise) else float("nan")
    known = [x for x in (se, floor) if np.isfinite(x)]
    return tilt, max(known, default=0.0), pairs


def roll_back(world_xyz: np.ndarray, roll_deg: np.ndarray) -> np.ndarray:
    """``(T, 33, 3)`` landmarks as a camera rolled by ``roll_deg`` ``(T,)`` would have seen them level.

    A roll is + when the camera turned clockwise as its operator sees it (the scene then appears
    turned counter-clockwise in the image), as in :mod:`poser_pipeline.synthetic.skier`.
    """
    a = np.radians(np.asarray(roll_deg, dtype=np.float64))[:, None]
    x, y = world_xyz[..., 0], world_xyz[..., 1]
    return np.stack([x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a), world_xyz[..., 2]], axis=-1)


def measure_against_snow(
    world_xyz: np.ndarray,
    valid: np.ndarray,
    *,
    fps: float,
    settings: PipelineSettings | None = None,
    image_xy: np.ndarray | None = None,
) -> tuple[FrameSeries, SnowReference]:
    """Per-frame series measured against the snow (see the module's docstring), and the reference used.

    Arguments as :func:`~poser_pipeline.metrics.series.compute_frame_series`. Without usable evidence
    the series are those against the camera's vertical, and the reference's ``note`` says why; so they
    are with ``settings.level_to_snow`` off.
    """
    settings = settings or PipelineSettings()

    def measure(roll_deg: np.ndarray) -> FrameSeries:
        world = world_xyz if not roll_deg.any() else roll_back(world_xyz, roll_deg)
        return compute_frame_series(world, valid, fps=fps, settings=settings, image_xy=image_xy)

    n = len(world_xyz)
    roll = np.zeros(n)
    series = measure(roll)
    if not settings.level_to_snow:
        return series, camera_vertical(n, "levelling to the snow is turned off: angles are read against the camera")
    found = lean_tilt(series, fps=fps, settings=settings)
    if found is None:
        return series, camera_vertical(n, f"no pair of opposite turns to level the snow from: {_AGAINST_CAMERA}")
    depth = series.forward_depth_cosine[series.valid & np.isfinite(series.forward_depth_cosine)]
    facing = float(np.median(depth)) if depth.size else 0.0
    if abs(facing) < MIN_FORWARD_DEPTH_COSINE:
        note = "the skis are seen from the side: the snow cannot be levelled from the skier's lean"
        return series, camera_vertical(n, note)
    levelled = series
    for _ in range(_ROUNDS):
        tilt, uncertainty_deg, pairs = found
        roll = roll + tilt / facing  # a roll shows in the frontal plane scaled by how squarely the skis face the camera
        levelled = measure(roll)
        found = lean_tilt(levelled, fps=fps, settings=settings, guess_deg=np.zeros(n))
        if found is None or np.max(np.abs(found[0])) < _LEVEL_DEG:
            break
    if pairs < MIN_PAIRS:
        return series, camera_vertical(n, f"only one pair of opposite turns to level the snow from: {_AGAINST_CAMERA}")
    if uncertainty_deg > MAX_TILT_UNCERTAINTY_DEG:
        note = f"the skier's lean is too irregular to level the snow from (± {uncertainty_deg:.1f}° over {pairs} pairs)"
        return series, camera_vertical(n, f"{note}: {_AGAINST_CAMERA}")
    if np.max(np.abs(roll)) > MAX_CAMERA_ROLL_DEG:
        note = (
            f"the skier's lean would put the camera {np.max(np.abs(roll)):.0f}° off level, more than a filming camera"
        )
        return series, camera_vertical(n, f"{note}: {_AGAINST_CAMERA}")
    return levelled, SnowReference(roll, "lean_symmetry", pairs, uncertainty_deg)
