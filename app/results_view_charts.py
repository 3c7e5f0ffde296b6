"""Plotly figures of the turn review: body metrics over time and left vs right on a 0–100 % turn axis.

Plain functions over arrays and :mod:`app.turn_review` data (no Streamlit); colours and the
chosen-turn shading come from :mod:`app.charts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts import LEFT_COLOUR, MARGIN, RIGHT_COLOUR, side_colour, span_shapes
from app.turn_review import BODY_METRICS, TURN_AXIS_PCT, SideBand, TurnCurve, turn_label

#: Rows of the body-metrics chart: (title, metric keys drawn in that row, all in one unit).
BODY_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Angulation", ("angulation",)),
    ("Inclination", ("inclination",)),
    ("Centre of mass relative to the hips", ("com_lateral", "com_height")),
    ("Counter-rotation", ("counter_rotation",)),
    ("Shin parallelism", ("shin_parallelism",)),
)
_LINE_COLOURS = {"com_lateral": "#009E73", "com_height": "#CC79A7"}


def body_metric_curves(
    time_s: np.ndarray,
    frame_index: np.ndarray,
    series: Mapping[str, np.ndarray],
    turns: dict[str, Any],
    *,
    selected: int | None = None,
) -> go.Figure:
    """Angulation, inclination, centre of mass, counter-rotation and shin parallelism over time.

    Parameters
    ----------
    time_s : (T,) float ndarray, s from the analysed window's start
    frame_index : (T,) int ndarray
    series : mapping of :data:`app.turn_review.BODY_METRICS` key to (T,) float ndarray (its unit)
    turns : the run's turns (``fps``, ``segments``, ``transitions``)
    selected : segment index of the chosen turn, shaded yellow in every row
    """
    fig = make_subplots(
        rows=len(BODY_ROWS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[f"{t} ({BODY_METRICS[keys[0]].unit})" for t, keys in BODY_ROWS],
    )
    for row, (_title, keys) in enumerate(BODY_ROWS, start=1):
        for key in keys:
            spec = BODY_METRICS[key]
            fig.add_trace(
                go.Scatter(
                    x=time_s,
                    y=series[key],
                    mode="lines",
                    name=spec.label,
                    line={"color": _LINE_COLOURS.get(key, "#333333"), "width": 1.5},
                    customdata=frame_index,
                    hovertemplate=f"frame %{{customdata}}<br>%{{x:.2f}} s<br>%{{y:.{3 if spec.unit == 'm' else 1}f}} "
                    f"{spec.unit}<extra>{spec.label}</extra>",
                    showlegend=len(keys) > 1,
                ),
                row=row,
                col=1,
            )
    shapes = span_shapes(turns, selected)
    fig.update_layout(
        shapes=shapes,
        height=170 * len(BODY_ROWS),
        margin=MARGIN,
        title="Body metrics over time (+ toward the skier's left; grey: transitions, yellow: chosen turn)",
        legend={"orientation": "h", "y": -0.06, "x": 0, "yanchor": "top"},
        hovermode="closest",
    )
    fig.update_xaxes(title_text="time in the window (s)", row=len(BODY_ROWS), col=1)
    return fig


def _band_trace(band: SideBand, colour: str) -> go.Scatter:
    """The mean ± spread band of one side as one filled polygon (gaps left out)."""
    known = np.isfinite(band.mean)
    x = TURN_AXIS_PCT[known]
    low, high = (band.mean - band.spread)[known], (band.mean + band.spread)[known]
    return go.Scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([high, low[::-1]]),
        fill="toself",
        fillcolor=_rgba(colour, 0.25),
        line={"width": 0},
        hoverinfo="skip",
        name=f"{band.side} ± spread",
        legendgroup=band.side,
        showlegend=False,
    )


def turn_axis_comparison(
    curves: Sequence[TurnCurve],
    bands: Mapping[str, SideBand],
    *,
    title: str,
    unit: str,
    selected: int | None = None,
) -> go.Figure:
    """Left vs right turns on a 0–100 % turn axis: each turn thin, each side's mean ± spread band.

    The chosen turn (``selected``: segment index) is drawn bold and dark on top.
    """
    fig = go.Figure()
    for side, colour in (("left", LEFT_COLOUR), ("right", RIGHT_COLOUR)):
        if side in bands:
            fig.add_trace(_band_trace(bands[side], colour))
    chosen = None
    for curve in curves:
        if curve.segment_index == selected:
            chosen = curve
            continue
        fig.add_trace(_curve_trace(curve, unit, width=1.0, opacity=0.45))
    for side, colour in (("left", LEFT_COLOUR), ("right", RIGHT_COLOUR)):
        if side in bands:
            band = bands[side]
            fig.add_trace(
                go.Scatter(
                    x=TURN_AXIS_PCT,
                    y=band.mean,
                    mode="lines",
                    line={"color": colour, "width": 3, "dash": "dash"},
                    name=f"{side} turns: mean ± spread (n={band.n})",
                    legendgroup=side,
                    hovertemplate=f"{side} mean: %{{y:.1f}} {unit} at %{{x:.0f}} %<extra></extra>",
                )
            )
    if chosen is not None:
        fig.add_trace(_curve_trace(chosen, unit, width=4.5, opacity=1.0, bold=True))
    fig.update_layout(
        xaxis={"title": "turn (%: 0 = start at the transition, 100 = end)", "range": [0, 100]},
        yaxis_title=f"{unit}, into the turn" if unit == "deg" else unit,
        height=360,
        margin=MARGIN,
        title=title,
        legend={"orientation": "h", "y": -0.22, "yanchor": "top"},
    )
    return fig


def _curve_trace(curve: TurnCurve, unit: str, *, width: float, opacity: float, bold: bool = False) -> go.Scatter:
    colour = side_colour(curve.direction)
    name = turn_label({"segment_index": curve.segment_index, "direction": curve.direction})
    return go.Scatter(
        x=TURN_AXIS_PCT,
        y=curve.values,
        mode="lines",
        line={"color": "black" if bold else colour, "width": width},
        opacity=opacity,
        name=f"{name} (chosen)" if bold else name,
        legendgroup=curve.direction,
        showlegend=bold,
        customdata=curve.frames,
        hovertemplate=f"{name}<br>frame %{{customdata}} · %{{x:.0f}} % of the turn<br>%{{y:.1f}} {unit}<extra></extra>",
    )


def _rgba(hex_colour: str, alpha: float) -> str:
    """``"#0072B2"`` → ``"rgba(0, 114, 178, 0.25)"``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"
