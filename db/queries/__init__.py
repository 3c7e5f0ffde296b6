"""Query functions that encode Poser's data contract.

Every function is keyword-only, takes the caller's ``session`` and never commits: services own the
transaction (``with factory.begin() as session: ...``). They return rows, ids or ``None``.

The contract
------------
- Each (re)run of an analysis is a new ``analysis_runs`` row (``run_number`` 1, 2, …); old runs stay.
- :func:`latest_run` (any state) drives the analysis's status; ``analyses.status`` mirrors it.
- :func:`latest_succeeded_run` drives results: turns, frames, metrics and downloads.
- Frames and turn structure may arrive in either order; whichever comes last fills the frames'
  phase fields (``turn_segment_id`` … ``in_transition_window``).
- A worker claims a queued run atomically and holds a lease it renews with :func:`heartbeat`;
  :func:`fail_stale_runs` fails runs whose lease expired, so no run stays "running" forever.
"""

from __future__ import annotations

from db.queries._common import FRAME_INPUT_COLUMNS, TERMINAL_RUN_STATUSES
from db.queries.artifacts import (
    get_artifact,
    list_artifacts,
    save_artifact,
)
from db.queries.metrics import (
    list_metric_values,
    save_run_metrics,
    save_segment_metrics,
    upsert_metric_definitions,
)
from db.queries.queue import (
    claim_next_queued_run,
    claim_run,
    fail_stale_runs,
    find_expired_leases,
    heartbeat,
)
from db.queries.runs import (
    claim_run_notification,
    create_analysis,
    create_run,
    delete_analysis,
    get_analysis,
    get_run,
    latest_run,
    latest_runs,
    latest_succeeded_run,
    list_analyses,
    list_awaiting_prompt,
    list_runs,
    list_runs_of,
    set_progress,
    set_run_status,
    unannounced_finished_runs,
)
from db.queries.shares import (
    create_share_link,
    get_share_link,
    list_live_share_links,
    live_share_link_by_hash,
    revoke_share_link,
)
from db.queries.turns import (
    fill_phase_fields,
    list_frames,
    list_turn_segments,
    list_turn_transitions,
    save_turn_structure,
    upsert_frames,
)
from db.queries.users import (
    create_user,
    get_user,
    get_user_by_email,
    normalise_email,
    user_emails,
)

__all__ = [
    "FRAME_INPUT_COLUMNS",
    "TERMINAL_RUN_STATUSES",
    "claim_next_queued_run",
    "claim_run",
    "claim_run_notification",
    "create_analysis",
    "create_run",
    "create_share_link",
    "create_user",
    "delete_analysis",
    "fail_stale_runs",
    "fill_phase_fields",
    "find_expired_leases",
    "get_analysis",
    "get_artifact",
    "get_run",
    "get_share_link",
    "get_user",
    "get_user_by_email",
    "heartbeat",
    "latest_run",
    "latest_runs",
    "latest_succeeded_run",
    "list_analyses",
    "list_artifacts",
    "list_awaiting_prompt",
    "list_frames",
    "list_live_share_links",
    "list_metric_values",
    "list_runs",
    "list_runs_of",
    "list_turn_segments",
    "list_turn_transitions",
    "live_share_link_by_hash",
    "normalise_email",
    "revoke_share_link",
    "save_artifact",
    "save_run_metrics",
    "save_segment_metrics",
    "save_turn_structure",
    "set_progress",
    "set_run_status",
    "unannounced_finished_runs",
    "upsert_frames",
    "upsert_metric_definitions",
    "user_emails",
]
