"""Plotly figures of the results page; plain functions over :class:`app.studio.Results` (no Streamlit).

Colours are colour-blind safe (Okabe–Ito): left turns / the left ski blue, right ones orange; the
chosen turn is shaded yellow on time axes and drawn bold elsewhere. Hovering a point shows its
frame number and value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from app.turn_review import turn_label
from poser_pipeline.metrics.uncertainty import with_uncertainty

LEFT_COLOUR = "#0072B2"
RIGHT_COLOUR = "#E69F00"
SELECTED_FILL = "rgba(240, 228, 66, 0.45)"
TRANSITION_COLOUR = "rgba(120, 120, 120, 0.35)"
NOT_MEASURABLE_COLOUR = "#bbbbbb"
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 30}


def side_colour(direction: str) -> str:
    return LEFT_COLOUR if direction == "left" else RIGHT_COLOUR


def _segment(turns: dict[str, Any], selected: int | None) -> dict[str, Any] | None:
    return next((s for s in turns["segments"] if s["segment_index"] == selected), None)


def span_shapes(turns: dict[str, Any], selected: int | None = None) -> list[dict[str, Any]]:
    """Layout shapes for a time axis (s): grey transition windows and the chosen turn in yellow.

    Built as one list (``add_vrect`` per shape re-validates the layout each time: slow for long runs).
    """
    fps = float(turns["fps"]) or 30.0
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": tr["window_start_frame"] / fps,
            "x1": tr["window_end_frame"] / fps,
            "y0": 0,
            "y1": 1,
            "fillcolor": TRANSITION_COLOUR,
            "opacity": 0.4,
            "line": {"width": 0},
            "layer": "below",
        }
        for tr in turns["transitions"]
    ]
    seg = _segment(turns, selected)
    if seg is not None:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": seg["start_frame"] / fps,
                "x1": (seg["end_frame"] + 1) / fps,
                "y0": 0,
                "y1": 1,
                "fillcolor": SELECTED_FILL,
                "line": {"width": 1, "color": "#8a7d00"},
                "layer": "below",
                "name": "chosen turn",
            }
        )
    return shapes


def turn_timeline(turns: dict[str, Any], selected: int | None = None) -> go.Figure:
    """Left/right turn segments (apex marked) and transition windows on a time axis (s).

    The chosen turn (``selected``: segment index) gets a thick black outline.
    """
    fps = float(turns["fps"]) or 30.0
    fig = go.Figure()
    for seg in turns["segments"]:
        colour = side_colour(seg["direction"])
        start, end = seg["start_frame"] / fps, seg["end_frame"] / fps
        note = "" if seg["measurable"] else " · not measurable"
        chosen = seg["segment_index"] == selected
        fig.add_trace(
            go.Bar(
                x=[end - start],
                base=[start],
                y=["turns"],
                orientation="h",
                marker_color=colour if seg["measurable"] else NOT_MEASURABLE_COLOUR,
                marker_line_color="black" if chosen else colour,
                marker_line_width=4 if chosen else 2,
                name=turn_label(seg),
                customdata=[seg["segment_index"]],
                hovertemplate=f"{turn_label(seg)}{note}<br>frames {seg['start_frame']}–{seg['end_frame']}"
                f"<br>%{{base:.2f}}–{end:.2f} s<extra></extra>",
                showlegend=False,
            )
        )
        if seg["apex_frame"] is not None:
            fig.add_trace(
                go.Scatter(
                    x=[seg["apex_frame"] / fps],
                    y=["turns"],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 10, "color": "black"},
                    hovertemplate=f"apex of {turn_label(seg)}: frame {seg['apex_frame']}, %{{x:.2f}} s<extra></extra>",
                    showlegend=False,
                )
            )
    for tr in turns["transitions"]:
        start, end = tr["window_start_frame"] / fps, tr["window_end_frame"] / fps
        fig.add_trace(
            go.Bar(
                x=[max(end - start, 1.0 / fps)],
                base=[start],
                y=["transitions"],
                orientation="h",
                marker_color=TRANSITION_COLOUR,
                hovertemplate=f"transition {tr['transition_index'] + 1}: frames {tr['window_start_frame']}–"
                f"{tr['window_end_frame']}<br>%{{base:.2f}}–{end:.2f} s<extra></extra>",
                showlegend=False,
            )
        )
    fig.update_layout(
        barmode="overlay",
        height=220,
        margin=MARGIN,
        xaxis_title="time in the window (s)",
        title="Turns (blue: left, orange: right, grey fill: not measurable"
        + ("; black outline: the chosen turn" if selected is not None else "")
        + ") and transitions",
    )
    return fig


def edge_similarity_bars(
    similarity: dict[str, Any], segments: list[dict[str, Any]], selected: int | None = None
) -> go.Figure:
    """Per-turn edge similarity (0–100); not-measurable turns drawn as empty outlined bars at 0.

    Each bar carries its segment index as ``customdata`` (clicking a bar chooses the turn);
    the chosen one has a thick black outline.
    """
    by_index = {t["segment_index"]: t for t in similarity["turns"]}
    labels, values, colours, texts, lines, below, above = [], [], [], [], [], [], []
    for seg in segments:
        turn = by_index.get(seg["segment_index"], {})
        score = turn.get("edge_similarity")
        measurable = bool(seg["measurable"]) and score is not None and np.isfinite(score)
        interval = turn.get("edge_similarity_interval") if measurable else None
        labels.append(turn_label(seg))
        values.append(float(score) if measurable else 0.0)
        below.append(float(score) - interval[0] if interval else 0.0)
        above.append(interval[1] - float(score) if interval else 0.0)
        colours.append(side_colour(seg["direction"]) if measurable else "white")
        texts.append(with_uncertainty(score, interval) if measurable else "not measurable")
        lines.append(4 if seg["segment_index"] == selected else 1)
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            marker_color=colours,
            marker_line_color=["black" if w > 1 else "#555555" for w in lines],
            marker_line_width=lines,
            text=texts,
            textposition="auto",
            error_y={"type": "data", "symmetric": False, "array": above, "arrayminus": below, "color": "#333333"},
            customdata=[s["segment_index"] for s in segments],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    run = similarity.get("edge_similarity_run")
    if run is not None:
        fig.add_hline(y=run, line_dash="dash", annotation_text=f"run {run:.0f}")
    fig.update_layout(
        yaxis={"range": [0, 110], "title": "edge similarity (0–100)"},
        height=320,
        margin=MARGIN,
        title="Edge similarity per turn" + (" (click a bar to choose the turn)" if selected is not None else ""),
    )
    return fig


def edge_angle_curves(
    time_s: np.ndarray,
    left_deg: np.ndarray,
    right_deg: np.ndarray,
    turns: dict[str, Any] | None = None,
    *,
    frame_index: np.ndarray | None = None,
    selected: int | None = None,
) -> go.Figure:
    """Edge angle of each ski over time (deg), transitions grey, the chosen turn yellow; gaps stay gaps."""
    frames = np.arange(len(time_s)) if frame_index is None else frame_index
    hover = "frame %{customdata}<br>%{x:.2f} s<br>%{y:.1f} deg<extra>%{fullData.name}</extra>"
    fig = go.Figure()
    for name, values, colour in (("left ski", left_deg, LEFT_COLOUR), ("right ski", right_deg, RIGHT_COLOUR)):
        fig.add_trace(
            go.Scatter(
                x=time_s,
                y=values,
                mode="lines",
                name=name,
                line={"color": colour},
                customdata=frames,
                hovertemplate=hover,
            )
        )
    fig.update_layout(
        shapes=span_shapes(turns, selected) if turns is not None else [],
        xaxis_title="time in the window (s)",
        yaxis_title="edge angle (deg, + toward the skier's left)",
        height=320,
        margin=MARGIN,
        title="Edge angle per ski",
    )
    return fig
