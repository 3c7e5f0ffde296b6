"""Comparing two runs: the Streamlit-free logic (choices, sides, differences, figure) and the page."""

from __future__ import annotations

import pytest

from app import compare, studio
from services.composition import Services
from tests.app.conftest import signed_in_app
from tests.app.stored_results import add_run, get_user, store_analysis, user_id
from tests.app.test_studio import texts


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(60.0, 72.0, 12.0), (80.0, 70.0, -10.0), (None, 70.0, None), (70.0, float("nan"), None), (50.0, 50.0, 0.0)],
)
def test_difference_is_b_minus_a_when_both_are_numbers(a, b, expected):
    assert compare.difference(a, b) == expected


def test_choices_are_the_users_succeeded_runs_newest_first_and_admins_see_all(svc: Services):
    before = store_analysis(svc, "anna@example.com", "before.mp4", (50.0, 60.0))
    after = store_analysis(svc, "anna@example.com", "after.mp4", (70.0, 80.0))
    second = add_run(svc, after.analysis_id, (75.0, 85.0, 95.0))
    add_run(svc, before.analysis_id, (), status="failed")  # failed runs cannot be compared
    other = store_analysis(svc, "ben@example.com", "ben.mp4")
    anna = get_user(svc, before.user_id)
    got = compare.choices(svc, anna)
    assert [(c.filename, c.run_number) for c in got] == [("after.mp4", 2), ("after.mp4", 1), ("before.mp4", 1)]
    assert got[0].run_id == second
    assert got[0].label.startswith("after.mp4 · ") and got[0].label.endswith(" · run 2")
    boss = get_user(svc, user_id(svc, "boss@example.com", is_admin=True))
    assert {c.run_id for c in compare.choices(svc, boss)} == {c.run_id for c in got} | {other.run_id}


def test_two_runs_of_one_analysis_compare_scores_turns_and_differences(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4", (50.0, None, 70.0))
    add_run(svc, stored.analysis_id, (60.0, 80.0, 90.0, 40.0))
    anna = get_user(svc, stored.user_id)
    newest, oldest = compare.choices(svc, anna)
    a, b = compare.load_side(svc, anna, oldest), compare.load_side(svc, anna, newest)
    assert (a.turn_count, a.measurable_count) == (3, 2)
    assert (b.turn_count, b.measurable_count) == (4, 4)
    assert [t.edge_similarity for t in a.turns] == [50.0, None, 70.0]
    rows = {r.label: r for r in compare.score_rows(a, b)}
    run = rows["Edge similarity (run)"]
    assert (run.a, run.b, run.difference) == (70.0, 80.0, 10.0)
    left = rows["Left turns"]
    assert (left.a, left.b, left.difference) == (50.0, 60.0, 10.0)
    right = rows["Right turns"]
    assert (right.a, right.b, right.difference) == (None, 80.0, None)
    fig = compare.per_turn_figure(a, b)
    assert [trace.name.split(":")[0] for trace in fig.data] == ["A", "B"]
    assert list(fig.data[0].y) == [50.0, None, 70.0] and list(fig.data[1].y) == [60.0, 80.0, 90.0, 40.0]
    assert list(fig.data[0].x) == ["Turn 1", "Turn 2", "Turn 3"]


def test_someone_elses_run_cannot_be_loaded(svc: Services):
    theirs = store_analysis(svc, "ben@example.com", "ben.mp4")
    ben = get_user(svc, theirs.user_id)
    (choice,) = compare.choices(svc, ben)
    anna = get_user(svc, user_id(svc, "anna@example.com"))
    assert compare.choices(svc, anna) == []
    with pytest.raises(studio.NotFoundError):
        compare.load_side(svc, anna, choice)
    # A run id of another analysis, even one's own, reads as no results.
    mine = store_analysis(svc, "anna@example.com", "anna.mp4")
    (own,) = compare.choices(svc, anna)
    mixed = compare.Choice(own.analysis_id, choice.run_id, 1, "anna.mp4", own.created_at)
    with pytest.raises(studio.NoResultsError):
        compare.load_side(svc, anna, mixed)
    assert mine.analysis_id == own.analysis_id


def test_the_compare_page_shows_both_sides_the_difference_and_one_chart(svc: Services):
    before = store_analysis(svc, "anna@example.com", "before.mp4", (50.0, 60.0))
    after = store_analysis(svc, "anna@example.com", "after.mp4", (70.0, 80.0, 90.0))
    at = signed_in_app(svc, "anna@example.com").switch_page("app/pages/compare.py").run()
    assert not at.exception
    assert at.selectbox(key="compare_a").value == str(before.run_id)  # defaults: older as A, newest as B
    assert at.selectbox(key="compare_b").value == str(after.run_id)
    metrics = {m.label: m for m in at.metric}
    assert metrics["A · Edge similarity (run)"].value == "60"
    assert metrics["B · Edge similarity (run)"].value == "80"
    assert metrics["B · Edge similarity (run)"].delta == "+20"
    assert metrics["A · Turns"].value == "2 (2)" and metrics["B · Turns"].value == "3 (3)"
    assert len(at.get("plotly_chart")) == 1

    at.selectbox(key="compare_a").set_value(str(after.run_id)).run()
    assert "Choose two different runs" in texts(at)
    assert len(at.get("plotly_chart")) == 0


def test_the_compare_page_asks_for_two_runs(svc: Services):
    store_analysis(svc, "anna@example.com", "only.mp4")
    at = signed_in_app(svc, "anna@example.com").switch_page("app/pages/compare.py").run()
    assert not at.exception
    assert "needs two finished runs" in texts(at)
