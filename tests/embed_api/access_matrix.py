"""Who may call what: the sidecar's authorisation matrix, one status code per (endpoint, caller) cell.

This table is the single source of truth for two things: ``test_access_matrix.py`` runs one request
per cell against a real app and database, and the tables in ``docs/embed.md`` ("Who may call what")
are rendered from it (``python -m tests.embed_api.access_matrix`` prints them; a test keeps the doc
equal to the output). ``None`` marks a cell that does not apply.

The state every cell starts from: Alice owns an analysis whose clip is uploaded but not yet
confirmed; Bob is another signed-in user. Partner *shop* allows ``shop.example.com``; a skier's clip
came through it (uploaded, no box yet) and has an emailed confirmation link; partner *other* has
a submission of its own. A run held by ``w1`` (sent as ``X-Worker-Id``) serves the internal
endpoints, and a finished (failed) analysis the reprocessing endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Status codes of cells that refuse: the test checks such a request changed no row of any table.
REFUSED = frozenset({401, 403, 404, 405, 422})


@dataclass(frozen=True)
class Row:
    """One endpoint: ``cells`` follow its section's columns; ``note`` says what a granted code means."""

    endpoint: str
    cells: tuple[int | None, ...]
    note: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


PUBLIC = Section(
    "Public endpoints (`Authorization: Bearer <session>`)",
    ("anonymous", "another user", "owner"),
    (
        Row("POST /api/auth/request-code", (200, 200, 200), "anyone may ask for a code"),
        Row("POST /api/auth/verify-code", (400, 400, 400), "a wrong code: refused for everyone alike"),
        Row("POST /api/contact", (202, 202, 202), "anyone (rate-limited per address)"),
        Row("POST /api/auth/change-email", (401, 202, 202), "signed-in users, for their own account"),
        Row("GET /api/auth/confirm-email-change", (400, 400, 400), "needs the emailed token (a wrong one here)"),
        Row("POST /api/analyses/create-upload", (401, 201, 201), "signed-in users"),
        Row("GET /api/analyses", (401, 200, 200), "each sees only their own"),
        Row("GET /api/analyses/{analysis_id}", (401, 404, 200), "404: existence is not revealed"),
        Row("POST /api/analyses/{analysis_id}/confirm-upload", (401, 404, 200), "the owner's upload is checked"),
        Row("POST /api/analyses/{analysis_id}/prompt", (401, 404, 400), "owner: past the check, upload not confirmed"),
        Row("GET /api/analyses/{analysis_id}/turns", (401, 404, 409), "owner: past the check, no results yet"),
        Row("GET /api/analyses/{analysis_id}/edge-similarity", (401, 404, 409), "owner: no results yet"),
        Row("GET /api/analyses/{analysis_id}/download/{artifact_kind}", (401, 404, 409), "owner: no results yet"),
        Row("DELETE /api/analyses/{analysis_id}", (401, 404, 204), "the owner (admins too)"),
    ),
)

EMBED = Section(
    "Embed endpoints (`Origin`, else `Referer`; `X-Results-Token` on analysis routes)",
    ("allowed origin", "other origin", "no origin", "another analysis's token", "no token"),
    (
        Row("GET /api/embed/{partner_slug}/config", (200, 403, 403, None, None)),
        Row("POST /api/embed/{partner_slug}/submit", (201, 403, 403, None, None), "rate-limited per address, partner"),
        Row("OPTIONS /api/embed/{partner_slug}/submit", (204, 403, 403, None, None), "CORS preflight"),
        Row(
            "POST /api/embed/{partner_slug}/upload-complete",
            (200, 403, 403, 404, 404),
            "emails the confirmation link",
        ),
        Row("GET /api/embed/{partner_slug}/status/{analysis_id}", (200, 403, 403, 404, 404)),
        Row("GET /api/embed/{partner_slug}/feedback/{analysis_id}", (409, 403, 403, 404, 404), "409: no results yet"),
    ),
)

LINKS = Section(
    "Emailed and results links (the token is the credential; no origin check)",
    ("right token", "wrong token", "no token"),
    (
        Row("GET /api/embed/confirm", (200, 404, 422), "a page with a confirm button; queues nothing"),
        Row("POST /api/embed/confirm", (200, 404, 422), "queues the run (once: then 409)"),
        Row("GET /api/embed/results/{token}", (200, 404, 405), "JSON, or a page for browsers"),
    ),
)

INTERNAL = Section(
    "Internal endpoints (`X-Internal-Token`, machines only)",
    ("right token", "wrong token", "no token"),
    (
        Row("POST /api/internal/analysis-runs/{run_id}/claim", (404, 401, 401), "right token: an unknown run"),
        Row("POST /api/internal/analysis-runs/{run_id}/heartbeat", (404, 401, 401), "right token: an unknown run"),
        Row(
            "POST /api/internal/analysis-runs/{run_id}/artifact-uploads",
            (404, 401, 401),
            "right token: an unknown run",
        ),
        Row("PUT /api/internal/analysis-runs/{run_id}/progress", (200, 401, 401)),
        Row("PUT /api/internal/analysis-runs/{run_id}/status", (200, 401, 401)),
        Row("POST /api/internal/analysis-runs/{run_id}/frames/batches", (200, 401, 401)),
        Row("POST /api/internal/analysis-runs/{run_id}/turn-structure", (200, 401, 401)),
        Row("POST /api/internal/analysis-runs/{run_id}/metrics/run", (200, 401, 401)),
        Row("POST /api/internal/analysis-runs/{run_id}/metrics/segments", (200, 401, 401)),
        Row("POST /api/internal/analysis-runs/{run_id}/artifacts", (200, 401, 401)),
        Row("POST /api/internal/analyses/{analysis_id}/reprocessings", (201, 401, 401), "a finished analysis: reruns"),
    ),
)

SECTIONS = (PUBLIC, EMBED, LINKS, INTERNAL)


def cells() -> list[tuple[str, str, str, int]]:
    """Every applicable cell as (section title, endpoint, column, expected status)."""
    return [
        (section.title, row.endpoint, column, code)
        for section in SECTIONS
        for row in section.rows
        for column, code in zip(section.columns, row.cells, strict=True)
        if code is not None
    ]


def render() -> str:
    """The matrix as Markdown tables (what ``docs/embed.md`` holds between its access-matrix markers)."""
    out: list[str] = []
    for section in SECTIONS:
        out += [f"**{section.title}**", ""]
        out.append("| endpoint | " + " | ".join(section.columns) + " | notes |")
        out.append("|---" * (len(section.columns) + 2) + "|")
        for row in section.rows:
            codes = " | ".join("—" if c is None else str(c) for c in row.cells)
            out.append(f"| `{row.endpoint}` | {codes} | {row.note} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
