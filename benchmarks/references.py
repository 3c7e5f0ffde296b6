"""Reference outputs of the shared clips, for the regression guard.

``python -m benchmarks.references ../shared/clips`` re-runs the CLI on every
labelled clip and rewrites ``tests/references/<clip>.json``. Update them
deliberately, and say in the commit why the numbers moved.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REFERENCES = Path(__file__).resolve().parents[1] / "tests" / "references"


def summarize_outputs(out_dir: Path) -> dict:
    """The small, comparable summary of one run's output folder."""
    run = json.loads((out_dir / "run.json").read_text())
    with (out_dir / "turns.csv").open() as fh:
        turns = list(csv.DictReader(fh))
    return {
        "pipeline_version": run["pipeline_version"],
        "num_frames": run["num_frames"],
        "tracked_share": round(run["tracking"]["tracked_share"], 3),
        "pose_share": round(run["tracking"]["pose_share"], 3),
        "edge_similarity_run": run["metrics"]["values"]["edge_similarity_run"],
        "turns": [
            {
                "start_frame": int(t["start_frame"]),
                "end_frame": int(t["end_frame"]),
                "direction": t["direction"],
                "is_partial": t["is_partial"] == "1",
                "edge_similarity": float(t["edge_similarity"]) if t["edge_similarity"] else None,
            }
            for t in turns
        ],
        "feedback": sorted(f["key"] for f in run["feedback"]),
    }


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:])[0])
    REFERENCES.mkdir(parents=True, exist_ok=True)
    for labels in sorted(folder.glob("*.labels.json")):
        clip = labels.with_name(labels.name.removesuffix(".labels.json"))
        spec = json.loads(labels.read_text())
        box = ",".join(f"{v:g}" for v in spec["prompt"]["box"])
        with tempfile.TemporaryDirectory() as tmp:
            at = spec["prompt"].get("frame", 0) / spec["fps"]
            cmd = [sys.executable, "-m", "poser_pipeline", "analyze", str(clip), "--box", box, "--at", f"{at:.4f}"]
            subprocess.run([*cmd, "--out", f"{tmp}/out", "--quiet"], check=True)
            summary = summarize_outputs(Path(tmp) / "out")
        (REFERENCES / f"{clip.name}.json").write_text(json.dumps(summary, indent=1) + "\n")
        print(f"wrote {clip.name}.json: {len(summary['turns'])} turns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
