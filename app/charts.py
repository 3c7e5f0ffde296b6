"""Plotly figures of the results page; plain functions over :class:`app.studio.Results` (no Streamlit)."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

LEFT_COLOUR = "#1f77b4"
RIGHT_COLOUR = "#d62728"
TRANSITION_COLOUR = "rgba(120, 120, 120, 0.35)"
NOT_MEASURABLE_COLOUR = "#bbbbbb"


def _turn_label(turn: dict[str, Any]) -> str:
    return f"Turn {turn['segment_index'] + 1} ({turn['direction']})"


def turn_timeline(turns: dict[str, Any]) -> go.Figure:
    """Left/right turn segments (apex marked) and transition windows on a time axis (s)."""
    fps = float(turns["fps"]) or 30.0
    fig = go.Figure()
    for seg in turns["segments"]:
        colour = LEFT_COLOUR if seg["direction"] == "left" else RIGHT_COLOUR
        start, end = seg["start_frame"] / fps, seg["end_frame"] / fps
        note = "" if seg["measurable"] else " · not measurable"
        fig.add_trace(
            go.Bar(
                x=[end - start],
                base=[start],
                y=["turns"],
                orientation="h",
                marker_color=colour if seg["measurable"] else NOT_MEASURABLE_COLOUR,
                marker_line_color=colour,
                marker_line_width=2,
                name=_turn_label(seg),
                hovertemplate=f"{_turn_label(seg)}{note}<br>%{{base:.2f}}–{end:.2f} s<extra></extra>",
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
                    hovertemplate=f"apex of {_turn_label(seg)}: %{{x:.2f}} s<extra></extra>",
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
                hovertemplate=f"transition {tr['transition_index'] + 1}: %{{base:.2f}}–{end:.2f} s<extra></extra>",
                showlegend=False,
            )
        )
    fig.update_layout(
        barmode="overlay",
        height=220,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        xaxis_title="time in the window (s)",
        title="Turns (blue: left, red: right, grey fill: not measurable) and transitions",
    )
    return fig


def edge_similarity_bars(similarity: dict[str, Any], segments: list[dict[str, Any]]) -> go.Figure:
    """Per-turn edge similarity (0–100); not-measurable turns drawn as empty outlined bars at 0."""
    by_index = {t["segment_index"]: t for t in similarity["turns"]}
    labels, values, colours, texts = [], [], [], []
    for seg in segments:
        turn = by_index.get(seg["segment_index"], {})
        score = turn.get("edge_similarity")
        measurable = bool(seg["measurable"]) and score is not None and np.isfinite(score)
        labels.append(_turn_label(seg))
        values.append(float(score) if measurable else 0.0)
        colours.append((LEFT_COLOUR if seg["direction"] == "left" else RIGHT_COLOUR) if measurable else "white")
        texts.append(f"{score:.0f}" if measurable else "not measurable")
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            marker_color=colours,
            marker_line_color="#555555",
            marker_line_width=1,
            text=texts,
            textposition="outside",
        )
    )
    run = similarity.get("edge_similarity_run")
    if run is not None:
        fig.add_hline(y=run, line_dash="dash", annotation_text=f"run {run:.0f}")
    fig.update_layout(
        yaxis={"range": [0, 110], "title": "edge similarity (0–100)"},
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        title="Edge similarity per turn",
    )
    return fig


def edge_angle_curves(
    time_s: np.ndarray, left_deg: np.ndarray, right_deg: np.ndarray, turns: dict[str, Any] | None = None
) -> go.Figure:
    """Edge angle of each ski over time (deg), transition windows shaded; gaps stay gaps."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=time_s, y=left_deg, mode="lines", name="left ski", line={"color": LEFT_COLOUR}))
    fig.add_trace(go.Scatter(x=time_s, y=right_deg, mode="lines", name="right ski", line={"color": RIGHT_COLOUR}))
    if turns is not None:
        fps = float(turns["fps"]) or 30.0
        for tr in turns["transitions"]:
            fig.add_vrect(
                x0=tr["window_start_frame"] / fps,
                x1=tr["window_end_frame"] / fps,
                fillcolor=TRANSITION_COLOUR,
                opacity=0.4,
                line_width=0,
            )
    fig.update_layout(
        xaxis_title="time in the window (s)",
        yaxis_title="edge angle (deg)",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        title="Edge angle per ski",
    )
    return fig
