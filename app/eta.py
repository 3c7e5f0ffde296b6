"""How long a running analysis still needs, from its elapsed time and percent (no Streamlit)."""

from __future__ import annotations

#: Below this percent (or this many seconds) the rate is mostly start-up cost: no estimate yet.
MIN_PERCENT = 3.0
MIN_ELAPSED_S = 2.0


def time_left_s(elapsed_s: float, percent: float) -> float | None:
    """Seconds left if the rest goes at the average rate so far, or None while too early to tell.

    The pipeline's percent is weighted by stage cost (tracking and pose dominate), so a linear
    extrapolation is a fair first estimate; it is refreshed on every poll.
    """
    if percent >= 100.0:
        return 0.0
    if percent < MIN_PERCENT or elapsed_s < MIN_ELAPSED_S:
        return None
    return elapsed_s * (100.0 - percent) / percent


def describe_time_left(seconds: float | None) -> str:
    """``"about 40 s left"`` / ``"about 3 min left"``, or ``"estimating time left…"``."""
    if seconds is None:
        return "estimating time left…"
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s left"
    return f"about {round(seconds / 60):.0f} min left"
