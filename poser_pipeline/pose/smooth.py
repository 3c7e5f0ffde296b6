"""Stage 4 — zero-phase, gap-aware smoothing of per-frame series.

Following Pose2Sim/Sports2D: a Hampel pass drops outliers, short gaps are
interpolated, and each remaining valid chunk is low-pass filtered forward
and backward (no lag) on its own, so nothing is ever smeared across a lost
stretch of the track.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import signal

from poser_pipeline.settings import PipelineSettings


def valid_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index pairs of the runs of ``True`` in a ``(T,)`` bool array.

    >>> valid_runs(np.array([False, True, True, False, True]))
    [(1, 3), (4, 5)]
    """
    padded = np.concatenate([[False], np.asarray(valid, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def hampel(x: np.ndarray, *, window: int = 7, n_sigmas: float = 3.0) -> np.ndarray:
    """Replace outliers of a ``(T,)`` series with NaN (NaN-aware Hampel filter).

    A sample is an outlier when it lies more than ``n_sigmas`` scaled median
    absolute deviations from the median of the ``window`` samples around it.
    """
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    half = window // 2
    padded = np.pad(x, half, mode="constant", constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows at gaps are expected
        med = np.nanmedian(windows, axis=1)
        mad = 1.4826 * np.nanmedian(np.abs(windows - med[:, None]), axis=1)
    outlier = np.abs(x - med) > n_sigmas * np.maximum(mad, 1e-9)
    out[outlier & np.isfinite(mad) & (mad > 0)] = np.nan
    return out


def interpolate_gaps(x: np.ndarray, *, max_gap: int) -> np.ndarray:
    """Fill interior NaN gaps of at most ``max_gap`` samples of a ``(T,)`` series linearly."""
    x = np.asarray(x, dtype=np.float64).copy()
    finite = np.isfinite(x)
    for start, stop in valid_runs(~finite):
        if start == 0 or stop == len(x) or stop - start > max_gap:
            continue
        x[start:stop] = np.interp(np.arange(start, stop), [start - 1, stop], [x[start - 1], x[stop]])
    return x


def butterworth_1d(x: np.ndarray, *, fps: float, cutoff_hz: float, order: int, min_chunk: int) -> np.ndarray:
    """Zero-phase low-pass of each finite run of a ``(T,)`` series separately.

    Runs shorter than ``min_chunk`` samples are returned unfiltered.
    """
    out = np.asarray(x, dtype=np.float64).copy()
    nyquist = fps / 2.0
    sos = signal.butter(order, min(cutoff_hz, 0.9 * nyquist) / nyquist, output="sos")
    for start, stop in valid_runs(np.isfinite(out)):
        if stop - start < min_chunk:
            continue
        chunk = out[start:stop]
        out[start:stop] = signal.sosfiltfilt(sos, chunk, padlen=min(3 * (2 * len(sos) + 1), len(chunk) - 1))
    return out


def smooth_series(
    values: np.ndarray,
    valid: np.ndarray,
    *,
    fps: float,
    settings: PipelineSettings,
    cutoff_hz: float | None = None,
) -> np.ndarray:
    """Smooth ``(T, ...)`` series along time, each column on its own.

    Parameters
    ----------
    values : (T, ...) float ndarray
    valid : (T,) bool ndarray
        Frames whose values may be used; the rest come out NaN (not guessed).
    fps : float
        Sampling rate of the series, frames per second.
    cutoff_hz : float, optional
        Overrides ``settings.smooth_cutoff_hz``.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(len(values), -1).copy()
    flat[~np.asarray(valid, dtype=bool)] = np.nan
    cutoff = settings.smooth_cutoff_hz if cutoff_hz is None else cutoff_hz
    columns = hampel_columns(flat)
    for j in range(flat.shape[1]):
        columns[:, j] = interpolate_gaps(columns[:, j], max_gap=settings.interp_gap_max_frames)
    return butterworth_columns(
        columns, fps=fps, cutoff_hz=cutoff, order=settings.smooth_order, min_chunk=settings.min_chunk_frames
    ).reshape(values.shape)


def hampel_columns(x: np.ndarray, *, window: int = 7, n_sigmas: float = 3.0) -> np.ndarray:
    """:func:`hampel` on every column of a ``(T, C)`` array at once (the same numbers, one NumPy call)."""
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    half = window // 2
    padded = np.pad(x, ((half, half), (0, 0)), mode="constant", constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)  # (T, C, window)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows at gaps are expected
        med = np.nanmedian(windows, axis=2)
        mad = 1.4826 * np.nanmedian(np.abs(windows - med[:, :, None]), axis=2)
    outlier = np.abs(x - med) > n_sigmas * np.maximum(mad, 1e-9)
    out[outlier & np.isfinite(mad) & (mad > 0)] = np.nan
    return out


def butterworth_columns(x: np.ndarray, *, fps: float, cutoff_hz: float, order: int, min_chunk: int) -> np.ndarray:
    """:func:`butterworth_1d` on every column of a ``(T, C)`` array.

    Columns with the same finite pattern (nearly all: the joints of one frame
    are found together) are filtered in one ``sosfiltfilt`` call along time;
    each column's arithmetic is unchanged, so the numbers are identical.
    """
    out = np.asarray(x, dtype=np.float64).copy()
    finite = np.isfinite(out)
    patterns, group_of = np.unique(finite.T, axis=0, return_inverse=True)
    nyquist = fps / 2.0
    sos = signal.butter(order, min(cutoff_hz, 0.9 * nyquist) / nyquist, output="sos")
    for g, pattern in enumerate(patterns):
        cols = np.flatnonzero(group_of.ravel() == g)
        for start, stop in valid_runs(pattern):
            if stop - start < min_chunk:
                continue
            chunk = out[start:stop, cols]
            padlen = min(3 * (2 * len(sos) + 1), len(chunk) - 1)
            out[start:stop, cols] = signal.sosfiltfilt(sos, chunk, axis=0, padlen=padlen)
    return out
