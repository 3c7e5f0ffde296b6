"""The results page's turn review, as Streamlit pieces: the chosen turn, badges, media, findings, charts.

The chosen turn lives in ``st.session_state["turn_choice"]`` (a segment index). The turn
picker, a click on a bar of the edge-similarity chart and a finding's turn buttons all set it
(through callbacks, before the next run draws), and every chart highlights it.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from app import charts, results_view_charts, results_view_data, studio, turn_review
from app.results_view_cache import turn_axis, video_frame
from app.session import artifact
from poser_pipeline.metrics.uncertainty import with_uncertainty

TURN = "turn_choice"
TURN_RUN = "turn_choice_run"
BAR_CHART = "edge_similarity_chart"
INTERVAL_HELP = "± shows how far the measurement noise seen in this clip can move the score (a 90 % interval)."
#: Turn-axis metrics offered beside the body metrics: key → (label, which ski).
EDGE_ROLES = {
    "edge_outside": ("Edge angle, outside ski", "outside"),
    "edge_inside": ("Edge angle, inside ski", "inside"),
}


def chosen_turn(run_key: str, segments: list[dict[str, Any]]) -> int | None:
    """The chosen segment index, reset to :func:`turn_review.default_turn` for a new run or a stale choice."""
    indices = {int(s["segment_index"]) for s in segments}
    if st.session_state.get(TURN_RUN) != run_key or st.session_state.get(TURN) not in indices:
        st.session_state[TURN_RUN] = run_key
        st.session_state[TURN] = turn_review.default_turn(segments)
    return st.session_state[TURN]


def _choose(index: int) -> None:
    st.session_state[TURN] = index


def _on_bar_click() -> None:
    """A click on a bar of the edge-similarity chart chooses that turn (its ``customdata``)."""
    event = st.session_state.get(BAR_CHART) or {}
    points = (event.get("selection") or {}).get("points") or []
    if points:
        data = points[0].get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if data is not None:
            st.session_state[TURN] = int(data)


def badge(segment: dict[str, Any], reasons: list[str]) -> str:
    """Markdown badge of a turn's measurability (green measurable, grey not, with the reasons)."""
    text = turn_review.measurability(segment, reasons)
    colour = "green" if segment["measurable"] else "gray"
    return f":{colour}-badge[{turn_review.turn_label(segment)}: {text}]"


def turn_picker(segments: list[dict[str, Any]], reasons: dict[int, list[str]]) -> None:
    """The turn selectbox and one measurability badge per turn."""
    by_index = {int(s["segment_index"]): s for s in segments}

    def label(index: int) -> str:
        seg = by_index[index]
        return turn_review.turn_label(seg) + ("" if seg["measurable"] else " · not measurable")

    st.selectbox("Turn", options=list(by_index), format_func=label, key=TURN)
    st.markdown(" ".join(badge(s, reasons.get(int(s["segment_index"]), [])) for s in segments))


def media(run_key: str, res: studio.Results, review: results_view_data.Review, selected: int | None) -> None:
    """The overlay video (or the skier-centred replay) beside the chosen turn's apex frame."""
    video_col, frame_col = st.columns([3, 2])
    with video_col:
        kinds = [k for k in results_view_data.VIDEOS if k in review.videos]
        if not kinds:
            st.info("No video stored for this run.")
        else:
            if len(kinds) > 1:
                kind = st.radio(
                    "Video", kinds, format_func=results_view_data.VIDEOS.get, horizontal=True, key="video_choice"
                )
            else:
                kind = kinds[0]
                st.caption("The skier-centred replay is not stored for this run.")
            st.video(artifact(run_key, review.videos[kind]), format=studio.MEDIA_MIME)
    with frame_col:
        seg = next((s for s in res.turns["segments"] if s["segment_index"] == selected), None)
        if seg is None:
            st.caption("No turn to show.")
            return
        frame = seg["apex_frame"] if seg["apex_frame"] is not None else (seg["start_frame"] + seg["end_frame"]) // 2
        t_s = results_view_data.frame_time_s(review, frame, res.fps)
        if "overlay_video" in review.videos:
            image = video_frame(run_key, review.videos["overlay_video"], round(t_s, 4), res.fps)
            st.image(image, caption=f"Apex of {turn_review.turn_label(seg)}: frame {frame}, {t_s:.2f} s")
        else:
            st.caption("No overlay video stored: no frame to show.")
        turn = next((t for t in res.similarity["turns"] if t["segment_index"] == selected), {})
        score = turn.get("edge_similarity")
        facts = f"frames {seg['start_frame']}–{seg['end_frame']}"
        if score is not None and seg["measurable"]:
            facts += f" · edge similarity **{_score(score, turn.get('edge_similarity_interval'))}**"
        st.markdown(f"{badge(seg, review.reasons.get(int(seg['segment_index']), []))}  \n{facts}")


def findings(feedback: list[dict[str, Any]], segments: list[dict[str, Any]]) -> None:
    """Coaching findings, each with a button per evidence turn that chooses it."""
    st.markdown("#### Coaching findings")
    if not feedback:
        st.caption("No findings for this run.")
    by_index = {int(s["segment_index"]): s for s in segments}
    for i, finding in enumerate(feedback):
        st.markdown(f"- {finding.get('message', '')}")
        turns = turn_review.finding_turns(finding, segments)
        if turns:
            cols = st.columns(10)
            for j, index in enumerate(turns):
                cols[j % len(cols)].button(
                    f"Turn {index + 1}",
                    key=f"finding-{i}-turn-{index}",
                    help=f"Choose {turn_review.turn_label(by_index[index])}",
                    on_click=_choose,
                    args=(index,),
                )


def time_charts(res: studio.Results, review: results_view_data.Review, selected: int | None) -> None:
    """Turn timeline, edge similarity per turn (click to choose), edge angles and body metrics over time."""
    segments = res.turns["segments"]
    st.plotly_chart(charts.turn_timeline(res.turns, selected), key="turn_timeline")
    st.plotly_chart(
        charts.edge_similarity_bars(res.similarity, segments, selected),
        key=BAR_CHART,
        on_select=_on_bar_click,
        selection_mode="points",
    )
    st.plotly_chart(
        charts.edge_angle_curves(
            res.time_s, res.edge_left_deg, res.edge_right_deg, res.turns, frame_index=res.frame_index, selected=selected
        ),
        key="edge_angle_chart",
    )
    st.plotly_chart(
        results_view_charts.body_metric_curves(
            review.frame_index / res.fps, review.frame_index, review.series, res.turns, selected=selected
        ),
        key="body_metrics_chart",
    )


def turn_axis_charts(run_key: str, res: studio.Results, review: results_view_data.Review, selected: int | None) -> None:
    """Left vs right on the 0–100 % turn axis: the outside ski's edge, and a body metric to choose."""
    segments = res.turns["segments"]
    st.markdown("#### Left vs right turns, start to end")
    st.caption(
        "Each measurable turn resampled to 0–100 % of the turn (thin lines), each side's mean (dashed) "
        "± spread (one standard deviation across turns, shaded); angles read into the turn."
    )
    options = list(EDGE_ROLES) + list(turn_review.BODY_METRICS)

    def label(key: str) -> str:
        return EDGE_ROLES[key][0] if key in EDGE_ROLES else turn_review.BODY_METRICS[key].label

    metric = st.selectbox(
        "Metric beside the edge angle", options, index=options.index("angulation"), format_func=label, key="axis_metric"
    )
    edge_col, metric_col = st.columns(2)
    for col, key, chart_key in ((edge_col, "edge_outside", "turn_axis_edge"), (metric_col, metric, "turn_axis_metric")):
        if key in EDGE_ROLES:
            values = turn_review.ski_edge_by_role(
                res.edge_left_deg, res.edge_right_deg, segments, role=EDGE_ROLES[key][1]
            )
            unit, sign = "deg", "into"
        else:
            spec = turn_review.BODY_METRICS[key]
            values, unit, sign = review.series[key], spec.unit, spec.sign
        curves, bands = turn_axis(run_key, key, sign, values, segments)
        with col:
            if not curves:
                st.info("No measurable turn to compare.")
                continue
            st.plotly_chart(
                results_view_charts.turn_axis_comparison(curves, bands, title=label(key), unit=unit, selected=selected),
                key=chart_key,
            )


def _score(value: float | None, interval: list[float] | None = None) -> str:
    """A score as shown: ``"79 ± 6"`` with its interval, ``"79"`` without, ``"—"`` when there is none."""
    return "—" if value is None or not math.isfinite(value) else with_uncertainty(value, interval)


def reference_caption(reference: dict[str, Any]) -> str | None:
    """What the angles are measured against, in a sentence (``None`` against the camera: a warning says so)."""
    if reference.get("evidence") != "lean_symmetry":
        return None
    roll, (low, high) = reference["camera_roll_deg"], reference["camera_roll_range_deg"]
    camera = f"{abs(roll):.0f}° off level" if abs(roll) >= 0.5 else "level"
    if high - low >= 2:
        camera = f"rolling from {low:+.0f}° to {high:+.0f}°"
    return (
        f"Angles are measured against the snow: the camera was {camera} (± {reference['tilt_uncertainty_deg']:.0f}°, "
        f"from the skier's lean over {reference['pairs']} pairs of turns)."
    )


def render(res: studio.Results, review: results_view_data.Review, *, downloads: bool) -> None:
    """The whole results view below the title: scores, turn picker, media, findings, charts, turn table.

    The owner's results page and a share link's page both draw it; only the owner gets ``downloads``.
    """
    run_key = str(res.run_id)
    segments = res.turns["segments"]
    measurable = [s for s in segments if s["measurable"]]
    run_col, left_col, right_col, turns_col = st.columns(4)
    for col, label, key in (
        (run_col, "Edge similarity (run)", "edge_similarity_run"),
        (left_col, "Left turns", "edge_similarity_left"),
        (right_col, "Right turns", "edge_similarity_right"),
    ):
        col.metric(label, _score(res.similarity.get(key), res.similarity.get(f"{key}_interval")), help=INTERVAL_HELP)
    turns_col.metric("Turns", f"{len(segments)}", help=f"{len(measurable)} measurable")
    for warning in res.warnings:
        st.warning(warning)
    if caption := reference_caption(res.reference):
        st.caption(caption)

    selected = chosen_turn(run_key, segments)
    if segments:
        turn_picker(segments, review.reasons)
    media(run_key, res, review, selected)
    findings(res.feedback, segments)
    time_charts(res, review, selected)
    turn_axis_charts(run_key, res, review, selected)
    turn_table(res, review)
    if downloads:
        download_buttons(res)


def turn_table(res: studio.Results, review: results_view_data.Review) -> None:
    """One row per turn: direction, times, edge similarity or why it is not measurable."""
    st.markdown("#### Turns")
    by_index = {t["segment_index"]: t for t in res.similarity["turns"]}
    table = []
    for seg in res.turns["segments"]:
        turn = by_index.get(seg["segment_index"], {})
        score = turn.get("edge_similarity")
        reasons = review.reasons.get(seg["segment_index"], [])
        table.append(
            {
                "turn": seg["segment_index"] + 1,
                "direction": seg["direction"],
                "start (s)": round(seg["start_frame"] / res.fps, 2),
                "end (s)": round(seg["end_frame"] / res.fps, 2),
                "edge similarity": _score(score, turn.get("edge_similarity_interval"))
                if seg["measurable"]
                else "not measurable",
                "why not measurable": "" if seg["measurable"] else "; ".join(reasons),
                "partial": "yes" if seg["is_partial"] else "",
            }
        )
    st.dataframe(table, hide_index=True, key="turn_table")


def download_buttons(res: studio.Results) -> None:
    """A button per stored artifact (fetched only when pressed)."""
    st.markdown("#### Downloads")
    cols = st.columns(len(studio.DOWNLOADS))
    for col, (kind, label) in zip(cols, studio.DOWNLOADS.items(), strict=True):
        if kind in res.downloads:
            key, filename = res.downloads[kind]
            col.download_button(
                label,
                data=lambda key=key: artifact(str(res.run_id), key),
                file_name=filename,
                mime=studio.DOWNLOAD_MIME[kind],
                key=f"download-{kind}",
            )
