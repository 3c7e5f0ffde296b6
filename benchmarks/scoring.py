"""Scoring a pipeline run against a clip's hand labels (pure functions, shared with the tests)."""

from __future__ import annotations

import itertools

import numpy as np

from poser_pipeline import boxes


def match_transitions(found: list[int], labelled: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one ``(label_frame, detected_frame)`` pairs within max(uncertainty, 3) frames.

    Closest pairs are matched first, so the result does not depend on list order.
    """
    candidates = sorted(
        (abs(f - frame), frame, f)
        for frame, uncertainty in labelled
        for f in found
        if abs(f - frame) <= max(uncertainty, 3)
    )
    used_labels: set[int] = set()
    used_found: set[int] = set()
    pairs = []
    for _, frame, f in candidates:
        if frame not in used_labels and f not in used_found:
            used_labels.add(frame)
            used_found.add(f)
            pairs.append((frame, f))
    return sorted(pairs)


def transition_scores(found: list[int], labelled: list[tuple[int, int]]) -> dict[str, float | None]:
    """Precision, recall, F1 and mean timing error (frames) of detected transitions."""
    pairs = match_transitions(found, labelled)
    precision = len(pairs) / len(found) if found else None
    recall = len(pairs) / len(labelled) if labelled else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    timing = float(np.mean([abs(a - b) for a, b in pairs])) if pairs else None
    return {"precision": precision, "recall": recall, "f1": f1, "mean_timing_error_frames": timing}


def tracking_scores(tracked: np.ndarray, reference: dict[int, np.ndarray | None]) -> dict[str, float | None]:
    """IoU ≥ 0.5 share, mean IoU, and switches (a good frame followed by a box off the skier)."""
    ious = [boxes.iou(tracked[i], ref) for i, ref in sorted(reference.items()) if ref is not None and i < len(tracked)]
    if not ious:
        return {"iou50_share": None, "mean_iou": None, "switches": None}
    switches = sum(1 for a, b in itertools.pairwise(ious) if a >= 0.5 and b < 0.1)
    return {
        "iou50_share": float(np.mean(np.asarray(ious) >= 0.5)),
        "mean_iou": float(np.mean(ious)),
        "switches": switches,
    }


def direction_accuracy(segments: list[dict], labelled_turns: list[dict]) -> float | None:
    """Share of labelled turns whose middle frame lies in a detected turn of the same direction."""
    scored = []
    for turn in labelled_turns:
        if "direction" not in turn:
            continue
        middle = (turn["start_frame"] + turn["end_frame"]) // 2
        hit = next((s for s in segments if s["start_frame"] <= middle <= s["end_frame"]), None)
        scored.append(hit is not None and hit["direction"] == turn["direction"])
    return float(np.mean(scored)) if scored else None
