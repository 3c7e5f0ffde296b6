"""Technique metrics: pure functions over per-frame pose arrays.

Sign convention: angles toward the skier's **left** are positive, so a left
turn (curving to the skier's own left) has positive edge angles and
inclination. Vertical is the camera's vertical (BlazePose world ``-y``); see
``docs/metrics.md`` for why that stands in for the slope normal.
"""
