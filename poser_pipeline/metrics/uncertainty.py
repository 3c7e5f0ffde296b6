"""How far each turn and run metric could move with the pose's measurement noise.

Every metric is computed from low-passed landmark angles; what the low-pass lets through of the
landmark noise moves the metric. The noise is measured on the clip itself: per angle series, the
robust spread of the unsmoothed angle around the smoothed one (``FrameSeries.noise_sd_deg``).
The metric is then computed again on ``draws`` copies of the series, each with fresh noise of that
spread — white, then passed through the same low-pass the series had — and with each turn's start
and apex found again on the turn signal with its noise added (so the window moves as much as the
transition's timing is unsure). A metric's interval is the central :data:`INTERVAL_SHARE` of its
draws.

The draws come from a fixed seed: the same clip gives the same intervals. The noise model assumes
the landmark errors of neighbouring frames are independent before smoothing; where the pose
estimator's own errors are slower than that (a crop that sits a little off for a second), the
interval is too narrow — ``docs/accuracy.md`` measures how often the intervals cover the results of
the same clip asked for a little differently.
"""

from __future__ import annotations

import numpy as np

from poser_pipeline.pose.smooth import butterworth_columns

#: Share of the draws an interval spans (5th to 95th percentile).
INTERVAL_SHARE = 0.9
DEFAULT_DRAWS = 120
SEED = 20261204


def low_passed_noise(
    sd: float, valid: np.ndarray, draws: int, *, fps: float, cutoff_hz: float, rng: np.random.Generator
) -> np.ndarray:
    """``(T, draws)`` white noise of spread ``sd`` low-passed at ``cutoff_hz``; NaN off ``valid`` frames.

    >>> rng = np.random.default_rng(0)
    >>> n = low_passed_noise(2.0, np.ones(300, bool), 50, fps=30.0, cutoff_hz=3.0, rng=rng)
    >>> n.shape, bool(0.5 < n.std() < 1.5)
    ((300, 50), True)
    """
    valid = np.asarray(valid, dtype=bool)
    if not np.isfinite(sd) or sd <= 0:
        return np.where(valid[:, None], 0.0, np.nan) * np.ones((1, draws))
    noise = rng.normal(0.0, sd, size=(len(valid), draws))
    noise[~valid] = np.nan
    return butterworth_columns(noise, fps=fps, cutoff_hz=cutoff_hz, order=4, min_chunk=10)


def interval(samples: np.ndarray) -> tuple[float, float] | None:
    """Central :data:`INTERVAL_SHARE` of the finite ``samples`` (low, high); ``None`` with fewer than 10.

    >>> [round(v, 6) for v in interval(np.arange(101.0))]
    [5.0, 95.0]
    """
    finite = np.asarray(samples, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 10:
        return None
    tail = 100 * (1 - INTERVAL_SHARE) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def intervals_of(
    values: dict[str, float | None], draws: list[dict[str, float | None]], keys: list[str]
) -> dict[str, tuple[float, float]]:
    """Per key with a value, its interval from the spread of its ``draws``, placed around the value.

    The draws add noise to series that already carry it, so their centre is pulled toward whatever
    noise does to a metric (a score capped at 100 only falls). Their spread is what the noise moves the
    metric by; the interval keeps that spread on each side, measured from the draws' median, around the
    value itself: ``(value − (median − low), value + (high − median))``.

    >>> intervals_of({"a": 10.0}, [{"a": float(v)} for v in range(101)], ["a"])
    {'a': (-35.0, 55.0)}
    """
    out = {}
    for key in keys:
        value = values.get(key)
        samples = np.array([d[key] for d in draws if d.get(key) is not None], dtype=np.float64)
        bounds = interval(samples)
        if value is None or bounds is None:
            continue
        median = float(np.median(samples[np.isfinite(samples)]))
        out[key] = (float(value) - (median - bounds[0]), float(value) + (bounds[1] - median))
    return out


def peak_near(signal: np.ndarray, a: int, b: int, sign: int) -> int:
    """Frame in ``[a, b]`` of the largest lean of ``sign`` (a turn's apex)."""
    a, b = max(0, a), min(len(signal) - 1, b)
    return a + int(np.nanargmax(sign * signal[a : b + 1]))


def half_width(bounds: tuple[float, float] | list[float] | None) -> float | None:
    """Half the width of an interval (what "± x" shows); ``None`` without one."""
    return None if bounds is None else (bounds[1] - bounds[0]) / 2


def with_uncertainty(value: float, bounds: tuple[float, float] | list[float] | None, digits: int = 0) -> str:
    """``value`` as a person reads it with its uncertainty: ``"79 ± 6"`` (``"79"`` without an interval).

    >>> with_uncertainty(79.2, (72.0, 84.5)), with_uncertainty(79.2, None)
    ('79 ± 6', '79')
    """
    text = f"{value:.{digits}f}"
    if bounds is None:
        return text
    return f"{text} ± {half_width(bounds):.{digits}f}"
