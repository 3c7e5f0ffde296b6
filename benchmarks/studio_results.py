"""How long the studio's results page takes to render for a ~600-frame run (printed, not asserted).

Usage: ``python benchmarks/studio_results.py [--repeats N]``. Seeds a succeeded run of the synthetic
skier (20 s at 30 fps, 15 turns) into a fresh ``POSER_DATA_DIR``, then drives the results page with
Streamlit's AppTest: the first render (reads the database, decodes the apex frame), a rerun with
everything cached (what "after data load" means), choosing another turn, and choosing another
turn-axis metric. Each time is the whole script run as AppTest sees it (navigation included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(action) -> float:
    start = time.perf_counter()
    at = action()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ["POSER_DATA_DIR"] = str(Path(tempfile.mkdtemp(prefix="poser-bench-")) / "data")
    for name in ("DATABASE_URL", "POSER_STORAGE", "POSER_MAIL", "POSER_QUEUE"):
        os.environ.pop(name, None)

    from sqlalchemy import func, select

    from db.models import Frame
    from poser_pipeline.synthetic.skier import SkierParams
    from services.composition import build
    from tests.app.conftest import seed_synthetic_run, signed_in_app

    svc = build()
    email = "bench@example.com"
    at = signed_in_app(svc, email)
    params = SkierParams(fps=30.0, n_turns=15, turn_s=1.25, inside_delay_s=0.15, noise_m=0.01, seed=2)
    start = time.perf_counter()
    analysis_id = seed_synthetic_run(svc, email, params=params, lost=(300, 330))
    seed_s = time.perf_counter() - start
    at.session_state["analysis_id"] = str(analysis_id)
    first = _timed(lambda: at.switch_page("app/pages/results.py").run())
    warm = [_timed(at.run) for _ in range(args.repeats)]
    turns = at.selectbox(key="turn_choice").options
    choose = [
        _timed(lambda i=i: at.selectbox(key="turn_choice").select_index(i % len(turns)).run())
        for i in range(1, args.repeats + 1)
    ]
    metrics = at.selectbox(key="axis_metric").options
    metric = [
        _timed(lambda i=i: at.selectbox(key="axis_metric").select_index(i % len(metrics)).run())
        for i in range(1, args.repeats + 1)
    ]
    with svc.factory() as session:
        frames = session.scalar(select(func.count()).select_from(Frame))

    print(f"run: {frames} frames, {len(turns)} turns (seeded in {seed_s:.1f} s)")
    print(f"{'render':<34} {'median s':>9} {'max s':>7}")
    print(f"{'first (DB read, apex decode)':<34} {first:9.3f} {first:7.3f}")
    for label, times in (
        ("rerun, data cached", warm),
        ("choose another turn", choose),
        ("choose a turn-axis metric", metric),
    ):
        print(f"{label:<34} {statistics.median(times):9.3f} {max(times):7.3f}")


if __name__ == "__main__":
    main()
