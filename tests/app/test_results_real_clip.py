"""A real clip through the studio: upload, the labelled box, the real worker, a results page with measured turns.

Skips without ``../shared/clips`` (only developers' machines have it). Marked slow: the real pipeline
runs on the 5 s UCF101 GIF (320×240), the smallest of the shared clips.
"""

from __future__ import annotations

import re

import pytest

from app import studio
from db import queries
from services.composition import Services
from services.worker import LocalWorker
from tests.app.conftest import signed_in_app
from tests.shared_clips import available, load_clip

pytestmark = pytest.mark.slow
CLIP = "v_Skiing_g24_c01.gif"


@pytest.mark.skipif(not available(), reason="../shared/clips is not here (it is only on the developers' machines)")
def test_a_real_clip_gives_measured_turns_on_the_results_page(svc: Services):
    clip = load_clip(CLIP)
    at = signed_in_app(svc, "coach@example.com")
    user = studio.user_for(svc, at.session_state["poser_token"])
    draft = studio.upload_clip(svc, user, filename=CLIP, data=clip.path.read_bytes(), content_type="image/gif")
    at_s = clip.prompt_frame / clip.fps
    box = tuple(float(v) for v in clip.prompt_box)
    assert studio.box_holds_a_person(svc, draft, at_s, box)  # no warning before submit
    studio.submit(svc, user, draft, box=box, trim=(0.0, draft.duration_s), at_s=at_s)
    assert LocalWorker(svc.factory, svc.storage).run_once() is not None

    at.session_state["analysis_id"] = str(draft.analysis_id)
    at.switch_page("app/pages/results.py").run()
    assert not at.exception
    with svc.factory() as session:
        run = queries.latest_succeeded_run(session=session, analysis_id=draft.analysis_id)
        assert run is not None
        segments = queries.list_turn_segments(session=session, run_id=run.id)
    measured = [s for s in segments if s.measurable]
    assert len(segments) >= 2 and measured, [(s.direction, s.measurable) for s in segments]
    table = at.dataframe[0].value
    assert len(table) == len(segments)
    scores = [v for v in table["edge similarity"] if v != "not measurable"]
    assert len(scores) == len(measured)
    for shown in scores:  # "79 ± 6": the score and its uncertainty
        value, plus_minus = re.fullmatch(r"(\d+) ± (\d+)", shown).groups()
        assert 0 <= int(value) <= 100 and 0 <= int(plus_minus) <= 50
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Turns"] == str(len(segments))
    assert metrics["Edge similarity (run)"] != "—"
    charts = {e.proto.id.rsplit("-", 1)[-1] for e in at.get("plotly_chart")}
    assert len(charts) >= 5  # with measured turns, the turn-axis charts are drawn too
