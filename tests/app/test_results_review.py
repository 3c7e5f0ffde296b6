"""The results page's turn review under AppTest, on a finished run of the synthetic skier in the database."""

from __future__ import annotations

import base64
import json
from typing import Any

import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app import results_view_data, studio
from app.charts import SELECTED_FILL
from db import queries
from services.composition import Services
from tests.app.conftest import frame_number_in, seed_synthetic_run, signed_in_app

EMAIL = "review@example.com"
#: Frames without usable pose in the seeded run: most of the fourth turn (frames ~91–126).
LOST = (95, 121)


def figure(at: AppTest, key: str) -> dict[str, Any]:
    """The Plotly figure (as JSON) of the chart with widget key ``key``."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key!r}")


def array(field: Any) -> np.ndarray:
    """A trace field as an array: Plotly writes numpy arrays as base64 typed arrays (``bdata``)."""
    if isinstance(field, dict) and "bdata" in field:
        return np.frombuffer(base64.b64decode(field["bdata"]), dtype=np.dtype(field["dtype"]))
    return np.asarray(field)


def chosen_span(fig: dict[str, Any]) -> tuple[float, float]:
    (shape,) = [s for s in fig["layout"]["shapes"] if s.get("fillcolor") == SELECTED_FILL]
    return shape["x0"], shape["x1"]


@pytest.fixture
def review_app(svc: Services) -> tuple[AppTest, list[Any]]:
    """The results page of a seeded run (one turn without pose), and the run's turn rows."""
    at = signed_in_app(svc, EMAIL)
    analysis_id = seed_synthetic_run(svc, EMAIL, lost=LOST)
    at.session_state["analysis_id"] = str(analysis_id)
    at.switch_page("app/pages/results.py").run()
    assert not at.exception
    with svc.factory() as session:
        run = queries.latest_succeeded_run(session=session, analysis_id=analysis_id)
        segments = queries.list_turn_segments(session=session, run_id=run.id)
    return at, segments


def test_every_chart_has_every_turn(review_app):
    at, segments = review_app
    assert len(segments) >= 5
    timeline = figure(at, "turn_timeline")
    turn_bars = [t for t in timeline["data"] if t["type"] == "bar" and t["y"] == ["turns"]]
    assert len(turn_bars) == len(segments)
    bars = figure(at, "edge_similarity_chart")["data"][0]
    assert array(bars["customdata"]).tolist() == [s.segment_index for s in segments]
    body = figure(at, "body_metrics_chart")
    assert {t["name"] for t in body["data"]} >= {"Angulation", "Inclination", "Counter-rotation"}
    n_frames = len(array(figure(at, "edge_angle_chart")["data"][0]["y"]))
    assert n_frames > segments[-1].end_frame
    assert all(len(array(t["y"])) == n_frames for t in body["data"])
    measurable = [s for s in segments if s.measurable]
    edge_axis = figure(at, "turn_axis_edge")
    curves = [t for t in edge_axis["data"] if t["name"].startswith("Turn ")]
    assert len(curves) == len(measurable)
    legend = [t["name"] for t in edge_axis["data"] if "mean ± spread" in t.get("name", "")]
    left_n = sum(s.direction == "left" for s in measurable)
    assert f"left turns: mean ± spread (n={left_n})" in legend
    hover = figure(at, "edge_angle_chart")["data"][0]["hovertemplate"]
    assert "frame %{customdata}" in hover


def test_choosing_a_turn_highlights_it_everywhere(review_app):
    at, segments = review_app
    first = at.session_state["turn_choice"]
    assert first == next(s.segment_index for s in segments if s.measurable)
    target = next(s for s in segments if s.measurable and s.segment_index != first)
    at.selectbox(key="turn_choice").set_value(target.segment_index).run()
    assert not at.exception

    bars = figure(at, "edge_similarity_chart")["data"][0]
    widths = array(bars["marker"]["line"]["width"]).tolist()
    assert widths[[s.segment_index for s in segments].index(target.segment_index)] == 4
    assert sorted(widths).count(4) == 1
    x0, x1 = chosen_span(figure(at, "edge_angle_chart"))
    fps = (target.end_frame + 1 - target.start_frame) / (x1 - x0)
    assert x0 * fps == pytest.approx(target.start_frame)
    assert chosen_span(figure(at, "body_metrics_chart")) == (x0, x1)
    bold = [t for t in figure(at, "turn_axis_edge")["data"] if t["name"].endswith("(chosen)")]
    assert [t["name"] for t in bold] == [f"Turn {target.segment_index + 1} ({target.direction}) (chosen)"]
    assert bold[0]["line"]["width"] > 4
    (image,) = at.get("image")
    assert f"frame {target.apex_frame}," in str(image.proto)


def test_unmeasurable_turns_carry_a_badge_with_the_reason(review_app):
    at, segments = review_app
    lost = next(s for s in segments if s.start_frame <= LOST[0] <= s.end_frame)
    assert not lost.measurable
    badges = next(m.value for m in at.markdown if "-badge[" in m.value)
    label = f"Turn {lost.segment_index + 1} ({lost.direction})"
    assert f":gray-badge[{label}: not measurable: pose usable on only" in badges
    assert ":gray-badge[Turn 1 (" in badges and "partial turn at a clip end" in badges
    table = at.dataframe[0].value
    row = table[table["turn"] == lost.segment_index + 1].iloc[0]
    assert row["edge similarity"] == "not measurable"
    assert "pose usable on only" in row["why not measurable"]


def test_a_finding_chooses_its_evidence_turn(review_app):
    at, _ = review_app
    buttons = [b for b in at.button if b.key.startswith("finding-")]
    assert buttons, "the seeded run (inside ski 150 ms late) has findings"
    current = at.session_state["turn_choice"]
    button = next(b for b in buttons if int(b.key.rsplit("-", 1)[1]) != current)
    evidence = int(button.key.rsplit("-", 1)[1])
    button.click().run()
    assert not at.exception
    assert at.session_state["turn_choice"] == evidence
    assert at.selectbox(key="turn_choice").value == evidence


def test_the_video_switches_to_the_skier_centred_replay(review_app):
    at, _ = review_app
    radio = at.radio(key="video_choice")
    assert radio.options == ["Pose overlay", "Skier-centred replay"]
    radio.set_value("centred_video").run()
    assert not at.exception
    assert len(at.get("video")) == 1


def test_the_apex_frame_is_decoded_from_the_stored_overlay(svc: Services):
    signed_in_app(svc, EMAIL)
    analysis_id = seed_synthetic_run(svc, EMAIL)
    with svc.factory() as session:
        user = queries.get_user_by_email(session=session, email=EMAIL)
    review = results_view_data.load_review(svc, user, analysis_id)
    res = studio.load_results(svc, user, analysis_id)
    path = svc.local_path(review.videos["overlay_video"])
    for seg in res.turns["segments"][1:4]:
        t_s = results_view_data.frame_time_s(review, seg["apex_frame"], res.fps)
        image = results_view_data.decode_frame(path, t_s, res.fps)
        assert frame_number_in(image) == seg["apex_frame"]
        # what the page shows: the same frame as a JPEG data URL
        url = results_view_data.jpeg_data_url(image)
        jpeg = np.frombuffer(base64.b64decode(url.removeprefix("data:image/jpeg;base64,")), np.uint8)
        assert frame_number_in(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[:, :, ::-1]) == seg["apex_frame"]


def test_the_page_says_what_the_angles_are_measured_against(svc: Services):
    """A camera rolled 12°: the page says the angles were levelled to the snow, and by how much."""
    from poser_pipeline.synthetic.skier import SkierParams

    at = signed_in_app(svc, EMAIL)
    params = SkierParams(camera_roll_deg=12.0, noise_m=0.01, seed=1)
    at.session_state["analysis_id"] = str(seed_synthetic_run(svc, EMAIL, params=params))
    at.switch_page("app/pages/results.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption if "measured against the snow" in c.value]
    assert len(captions) == 1 and "the camera was 12° off level" in captions[0], [c.value for c in at.caption]
    assert not [w.value for w in at.warning if "camera's vertical" in w.value]
